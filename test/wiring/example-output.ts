import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { compile } from '../../src/compile.js';
import type { Diagnostic } from '../../src/core/diagnostics.js';
import type { ResolvedEnvironment, Runtime, Target } from '../../src/model/index.js';
import { parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { runTool } from '../support/tools.js';
import { repositoryRoot } from '../support/tree.js';
import { dotenvKeys } from './compose-references.js';
import { parseTerraform, terraformCatalogue, type TerraformCatalogue } from './terraform-catalogue.js';

/**
 * The output of one full compile of the bundled example, written to a temporary folder so that the
 * real consumers can read it: Helm renders the application chart as Flux's HelmReleases and Argo
 * CD's Applications ask (release name, namespace, values files, inline values), `kubectl kustomize`
 * renders k8s/ and every kustomization a Flux Kustomization or Argo CD Application points at. The
 * KSOPS generator of Argo CD's secrets folder is an exec plugin kubectl cannot run: its Secret is
 * made from the generator file (name, namespace, and the dotenv's key names, which SOPS leaves in
 * clear text) and the rest of that kustomization is rendered by kubectl.
 */

export interface CompiledExample {
  out: string;
  files: ReadonlyMap<string, Uint8Array>;
  targets: readonly Target[];
  /** Every finding of the compile. */
  diagnostics: readonly Diagnostic[];
  /** Ready targets of a runtime whose folder the compile rendered, by name. */
  ready(runtime: Runtime): ResolvedEnvironment[];
  text(path: string): string | undefined;
  remove(): void;
}

export const compiledAt = new Date('2026-11-20T00:00:00Z');

/** Compiles a source tree (the bundled example by default) at `compiledAt`, signed with `signingSeed`, into a temporary folder. */
export function compileExample(root = repositoryRoot, signingSeed: Uint8Array = new Uint8Array(32).fill(7)): CompiledExample {
  const result = compile({ root, now: compiledAt, signingSeed });
  if (!result.files) {
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    throw new Error(`the example does not compile:\n${errors.map((diagnostic) => JSON.stringify(diagnostic)).join('\n')}`);
  }
  const work = mkdtempSync(join(tmpdir(), 'slipway-wiring-'));
  const out = join(work, 'output');
  const files = new Map(result.files.map((file) => [file.path, file.bytes]));
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), bytes);
  }
  const decoder = new TextDecoder();
  return {
    out,
    files,
    targets: result.targets,
    diagnostics: result.diagnostics,
    ready: (runtime) =>
      result.targets
        .filter((target) => target.status === 'ready' && target.model?.runtime === runtime && files.has(`environments/${target.name}/release.json`))
        .map((target) => target.model!),
    text: (path) => (files.has(path) ? decoder.decode(files.get(path)) : undefined),
    remove: () => rmSync(work, { recursive: true, force: true }),
  };
}

/** The environment's Terraform, parsed; undefined when it has none. */
export async function terraformOf(example: CompiledExample, environment: string): Promise<TerraformCatalogue | undefined> {
  const prefix = `environments/${environment}/terraform/`;
  const files = [...example.files.keys()].filter((path) => path.startsWith(prefix) && path.endsWith('.tf')).sort();
  if (files.length === 0) return undefined;
  return terraformCatalogue(await parseTerraform(files.map((path) => ({ name: basename(path), text: example.text(path)! }))));
}

export interface ChartRelease {
  label: string;
  release: string;
  namespace: string;
  chart: string;
  valuesFiles: string[];
  /** What `helm template` rendered for it. */
  objects: K8sObject[];
}

export interface KubernetesRender {
  /** Every rendered object, `metadata.namespace` set to where it is applied. */
  objects: K8sObject[];
  /** Application chart releases rendered, with the values files each used (paths relative to the output). */
  releases: ChartRelease[];
  /** Kustomization folders rendered, relative to the output. */
  kustomizations: string[];
}

const record = (value: unknown): Record<string, any> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, any>) : {});

function inNamespace(objects: K8sObject[], namespace: string): K8sObject[] {
  return objects.map((object) => (record(object.metadata).namespace ? object : ({ ...object, metadata: { ...record(object.metadata), namespace } } as K8sObject)));
}

function run(tool: string, args: string[], what: string): string {
  const result = runTool(tool, args);
  if (result.status !== 0) throw new Error(`${what}: ${tool} ${args.join(' ')}\n${result.stderr}`);
  return result.stdout;
}

/** `kubectl kustomize` of one folder, with KSOPS generators made from their files instead of run. */
function kustomize(kubectl: string, folder: string, namespace: string): K8sObject[] {
  const kustomization = parse(readFileSync(join(folder, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
  const generators = (kustomization.generators ?? []) as string[];
  const ksops = generators.filter((file) => (parse(readFileSync(join(folder, file), 'utf8')) as K8sObject).kind === 'ksops');
  if (ksops.length === 0) return inNamespace(parseObjects(run(kubectl, ['kustomize', folder], folder)), namespace);
  const objects = ksops.flatMap((file) => ksopsSecrets(join(folder, file), namespace));
  const rest = { ...kustomization, generators: generators.filter((file) => !ksops.includes(file)) };
  if (rest.generators.length === 0) delete (rest as Record<string, unknown>).generators;
  const renders = ['resources', 'generators', 'secretGenerator', 'configMapGenerator', 'components', 'helmCharts'].some((key) => key in rest);
  if (renders) {
    // A sibling copy, so relative paths in the kustomization resolve as they do from the original.
    const copy = `${folder}.without-ksops`;
    cpSync(folder, copy, { recursive: true });
    writeFileSync(join(copy, 'kustomization.yaml'), stringify(rest));
    try {
      objects.push(...inNamespace(parseObjects(run(kubectl, ['kustomize', copy], folder)), namespace));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
  return objects;
}

/** The Secrets a KSOPS generator (viaduct.ai/v1 ksops, `secretFrom`) makes: keys from its envs, files and literals. */
export function ksopsSecrets(file: string, namespace: string): K8sObject[] {
  const generator = parse(readFileSync(file, 'utf8')) as { secretFrom?: Array<Record<string, any>> };
  return (generator.secretFrom ?? []).map((entry) => {
    const keys = new Set<string>();
    for (const env of (entry.envs ?? []) as string[]) for (const key of dotenvKeys(readFileSync(resolve(dirname(file), env), 'utf8'))) keys.add(key);
    for (const source of (entry.files ?? []) as string[]) keys.add(source.includes('=') ? source.split('=')[0]! : basename(source));
    for (const literal of (entry.literals ?? []) as string[]) keys.add(literal.split('=')[0]!);
    const metadata = record(entry.metadata);
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { ...metadata, namespace: metadata.namespace ?? namespace },
      ...(entry.type ? { type: entry.type } : {}),
      data: Object.fromEntries([...keys].map((key) => [key, ''])),
    } as K8sObject;
  });
}

/**
 * Everything one Kubernetes target's output puts in its cluster: k8s/, the kustomizations its
 * reconciler objects point at, and one `helm template` per release of the application chart.
 */
export function renderKubernetes(example: CompiledExample, environment: ResolvedEnvironment, tools: { helm: string; kubectl: string }): KubernetesRender {
  const namespace = environment.infrastructure.namespace;
  const objects: K8sObject[] = [];
  const releases: ChartRelease[] = [];
  const rendered = new Set<string>();
  const queue: Array<{ folder: string; namespace: string }> = [{ folder: join(example.out, 'environments', environment.name, 'k8s'), namespace }];
  const isChart = (folder: string) => existsSync(join(folder, 'Chart.yaml'));
  const scratch = mkdtempSync(join(tmpdir(), 'slipway-wiring-values-'));
  try {
    while (queue.length > 0) {
      const { folder, namespace: folderNamespace } = queue.shift()!;
      if (rendered.has(folder)) continue;
      rendered.add(folder);
      const found = kustomize(tools.kubectl, folder, folderNamespace);
      objects.push(...found);
      for (const object of found) {
        const spec = record(object.spec);
        const name = String(object.metadata?.name);
        if (object.kind === 'Kustomization' && typeof spec.path === 'string') {
          queue.push({ folder: resolve(example.out, spec.path), namespace: spec.targetNamespace ?? namespace });
        }
        if (object.kind === 'HelmRelease' && record(record(spec.chart).spec).sourceRef?.kind === 'GitRepository') {
          const chartSpec = record(record(spec.chart).spec);
          const releaseNamespace = spec.targetNamespace ?? record(object.metadata).namespace;
          releases.push({
            label: `HelmRelease/${name}`,
            release: spec.releaseName ?? (spec.targetNamespace ? `${spec.targetNamespace}-${name}` : name),
            namespace: releaseNamespace,
            chart: resolve(example.out, chartSpec.chart),
            objects: [],
            valuesFiles: [...((chartSpec.valuesFiles ?? []) as string[]).map((file) => resolve(example.out, file)), ...inlineValues(scratch, `${name}-flux`, spec.values)],
          });
        }
        if (object.kind === 'Application') {
          for (const source of [spec.source, ...(Array.isArray(spec.sources) ? spec.sources : [])].map(record)) {
            if (source.chart || typeof source.path !== 'string') continue;
            const folderOfSource = resolve(example.out, source.path);
            const destination = String(record(spec.destination).namespace ?? namespace);
            if (!isChart(folderOfSource)) {
              queue.push({ folder: folderOfSource, namespace: destination });
              continue;
            }
            const helm = record(source.helm);
            releases.push({
              label: `Application/${name}`,
              release: helm.releaseName ?? name,
              namespace: destination,
              chart: folderOfSource,
              objects: [],
              valuesFiles: [
                ...((helm.valueFiles ?? []) as string[]).map((file) => resolve(folderOfSource, file)),
                ...inlineValues(scratch, `${name}-values`, typeof helm.values === 'string' ? parse(helm.values) : undefined),
                ...inlineValues(scratch, `${name}-object`, helm.valuesObject),
              ],
            });
          }
        }
      }
    }
    for (const release of releases) {
      const args = ['template', release.release, release.chart, '--namespace', release.namespace, ...release.valuesFiles.flatMap((file) => ['-f', file])];
      release.objects = inNamespace(parseObjects(run(tools.helm, args, release.label)), release.namespace);
      objects.push(...release.objects);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return {
    objects,
    releases: releases.map((release) => ({
      ...release,
      chart: relative(example.out, release.chart),
      valuesFiles: release.valuesFiles.map((file) => (file.startsWith(scratch) ? '(inline values)' : relative(example.out, file))),
    })),
    kustomizations: [...rendered].map((folder) => relative(example.out, folder)),
  };
}

/** Inline values (Flux `spec.values`, Argo CD `valuesObject`) as a values file Helm reads last. */
function inlineValues(scratch: string, name: string, values: unknown): string[] {
  if (values === undefined || values === null || Object.keys(record(values)).length === 0) return [];
  const file = join(scratch, `${name}.yaml`);
  writeFileSync(file, stringify(values));
  return [file];
}
