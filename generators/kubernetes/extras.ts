import type { Diagnostic } from '../../src/core/diagnostics.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { yamlBytes } from '../../src/core/serialize.js';
import { findingAt, groupVersion, type PatchTarget, type ResolvedEnvironment, type ResolvedPatch } from '../../src/model/index.js';
import { chartReleaseObjects, type ObjectIdentity } from './chart-objects.js';
import { manifestFile, objectOf, parsedObjectOf, type Manifest } from './common.js';
import { firstFailingOperation, type JsonPatchOperation } from './json-patch.js';

/**
 * An environment's patches and extra manifests on Kubernetes. Extra manifests are written to
 * k8s/extra/ and listed in k8s/kustomization.yaml's `resources`. A patch applies where the objects
 * it selects are rendered: to objects of k8s/ (extra manifests included) through the
 * kustomization's `patches` (the file under k8s/patches/, with its target), and to objects the
 * application chart renders through each matching Flux HelmRelease's `postRenderers` (the same
 * kustomize patch, inline). Argo CD renders a Helm source without a post-renderer, so there a
 * patch of chart output is refused (`patch-needs-flux`) rather than silently not applied.
 */

export type Selector = { group?: string; version?: string; kind: string; name: string; namespace?: string };

/** kustomize's target, exactly as the entry or the strategic-merge patch gave it. */
function selector(target: PatchTarget, options: { namespace: boolean }): Selector {
  return {
    ...(target.group === undefined ? {} : { group: target.group }),
    ...(target.version === undefined ? {} : { version: target.version }),
    kind: target.kind,
    name: target.name,
    ...(options.namespace && target.namespace !== undefined ? { namespace: target.namespace } : {}),
  };
}

function matches(target: PatchTarget, object: ObjectIdentity, defaultNamespace: string): boolean {
  return (
    object.kind === target.kind &&
    object.name === target.name &&
    (target.group === undefined || object.group === target.group) &&
    (target.version === undefined || object.version === target.version) &&
    (target.namespace === undefined || (object.namespace ?? defaultNamespace) === target.namespace)
  );
}

function identity(object: Manifest): ObjectIdentity {
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  return { ...groupVersion(String(object.apiVersion)), kind: String(object.kind), name: String(metadata.name), namespace: metadata.namespace };
}

/** The Flux post-renderer patches of each release of the application chart that a patch selects objects of. */
export function chartPostRenderers(environment: ResolvedEnvironment): Map<string, Manifest[]> {
  const byRelease = new Map<string, Manifest[]>();
  if (environment.extras.patches.length === 0) return byRelease;
  const releases = chartReleaseObjects(environment);
  for (const patch of environment.extras.patches) {
    for (const { release, objects } of releases) {
      if (!objects.some((object) => matches(patch.target, object, environment.infrastructure.namespace))) continue;
      // Helm leaves metadata.namespace unset on what it renders: a namespace in the selector would match nothing.
      const entry = { patch: new TextDecoder().decode(yamlBytes(patch.content)), target: selector(patch.target, { namespace: false }) };
      byRelease.set(release, [...(byRelease.get(release) ?? []), entry]);
    }
  }
  return byRelease;
}

/** What k8s/ gains: the extra manifests and the patches of its own objects, with their kustomization entries. */
export function folderExtras(environment: ResolvedEnvironment, base: readonly OutputFile[]): { files: OutputFile[]; resources: string[]; patches: Manifest[] } {
  const { manifests, patches } = environment.extras;
  if (manifests.length === 0 && patches.length === 0) return { files: [], resources: [], patches: [] };
  const objects = [...folderObjects(base).map(objectOf), ...manifests.map((manifest) => manifest.object)].map(identity);
  const files = manifests.map((manifest) => manifestFile(manifest.output, manifest.object));
  const entries: Manifest[] = [];
  for (const patch of patches) {
    if (!objects.some((object) => matches(patch.target, object, environment.infrastructure.namespace))) continue;
    files.push(manifestFile(patch.output, patch.content as Manifest));
    entries.push({ path: patch.output, target: selector(patch.target, { namespace: true }) });
  }
  return { files, resources: manifests.map((manifest) => manifest.output), patches: entries };
}

/** The files of k8s/ the kustomization lists: its top-level YAML files, one object each. */
function folderObjects(base: readonly OutputFile[]): OutputFile[] {
  return base.filter((file) => /^k8s\/[^/]+\.yaml$/.test(file.path) && file.path !== 'k8s/kustomization.yaml');
}

/**
 * What would make kustomize or Flux refuse the environment's extras, each at the line that causes
 * it: a patch that selects nothing, an operation on a path the object lacks, a patch of chart output
 * on Argo CD, an extra manifest that is already an object of the environment.
 */
export function extrasFindings(environment: ResolvedEnvironment, base: readonly OutputFile[]): Diagnostic[] {
  const { manifests, patches } = environment.extras;
  if (manifests.length === 0 && patches.length === 0) return [];
  const namespace = environment.infrastructure.namespace;
  const findings: Diagnostic[] = [];
  // JSON 6902 operations are tried on each object as kustomize reads it from its file.
  const rendered = folderObjects(base).map((file) => ({ identity: identity(objectOf(file)), object: () => parsedObjectOf(file) }));
  const chart = chartReleaseObjects(environment);
  const taken = new Map<string, string>();
  const key = (object: ObjectIdentity) => [object.group, object.kind, object.namespace ?? namespace, object.name].join('/');
  for (const { identity: object } of rendered) taken.set(key(object), `k8s/ already holds ${object.kind} ${object.name}`);
  for (const { release, objects } of chart) for (const object of objects) taken.set(key(object), `the chart renders ${object.kind} ${object.name} for ${release}`);
  for (const manifest of manifests) {
    const object = identity(manifest.object);
    const clash = taken.get(key(object));
    if (clash) findings.push(findingAt({ source: manifest.file, path: ['metadata', 'name'] }, 'manifest-collision', `${clash}; an extra manifest adds objects — to change one Slipway renders, write a patch instead`));
    taken.set(key(object), `${manifest.file.path} already adds ${object.kind} ${object.name}`);
  }
  const folder = [...rendered, ...manifests.map((manifest) => ({ identity: identity(manifest.object), object: () => manifest.object }))];
  for (const patch of patches) {
    const inFolder = folder.filter((object) => matches(patch.target, object.identity, namespace));
    const inChart = chart.filter(({ objects }) => objects.some((object) => matches(patch.target, object, namespace)));
    if (inFolder.length === 0 && inChart.length === 0) {
      findings.push(findingAt(patch.targetOrigin, 'patch-target-missing', `${describe(patch.target)} is no object of "${environment.name}"; the patch would change nothing. Objects it has: ${objectList(folder.map((object) => object.identity), chart)}`));
      continue;
    }
    if (inChart.length > 0 && environment.reconciler === 'argocd') {
      findings.push(findingAt(patch.targetOrigin, 'patch-needs-flux', `${describe(patch.target)} is rendered by the application chart, and Argo CD renders a Helm chart without a post-renderer that could apply this patch; patch objects of k8s/ only, use Flux for this target, or change the service in service.json`));
    }
    if (patch.kind === 'json6902') findings.push(...operationFindings(patch, inFolder.map((object) => object.object())));
  }
  return findings;
}

/** Each JSON 6902 operation tried on every object of k8s/ it selects; chart output is only known to Helm. */
function operationFindings(patch: ResolvedPatch, objects: readonly Manifest[]): Diagnostic[] {
  for (const object of objects) {
    const failed = firstFailingOperation(object, patch.content as JsonPatchOperation[]);
    if (failed) return [findingAt({ source: patch.file, path: [failed.index, failed.key] }, 'patch-path-missing', `${failed.message} (${describe(identity(object))})`)];
  }
  return [];
}

function describe(target: PatchTarget | ObjectIdentity): string {
  const group = target.group ? `${target.group}/` : '';
  return `${group}${target.kind} "${target.name}"${target.namespace ? ` in ${target.namespace}` : ''}`;
}

function objectList(folder: readonly ObjectIdentity[], chart: ReturnType<typeof chartReleaseObjects>): string {
  const names = [...folder.map((object) => `${object.kind}/${object.name}`), ...chart.flatMap(({ objects }) => objects.map((object) => `${object.kind}/${object.name}`))];
  return [...new Set(names)].sort().join(', ');
}
