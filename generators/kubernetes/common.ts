import { parse } from 'yaml';
import { BugError } from '../../src/core/errors.js';
import { yamlBytes } from '../../src/core/serialize.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { chartReleases } from '../helm-values/index.js';
import type { OutputFile } from '../../src/core/output-file.js';
import type { EmbeddedRelease } from './embedded.js';

export type Manifest = Record<string, unknown>;
/** An object of k8s/ and the file it is written to there. */
export type ManifestFile = { file: string; manifest: Manifest };

/** Labels on every object Slipway writes into `k8s/`. */
export function slipwayLabels(environment: ResolvedEnvironment): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'slipway', 'slipway.dev/environment': environment.name };
}

/** Argo CD applies lower waves first and waits for them to be healthy. */
export function syncWaveAnnotation(wave: number): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}

/** The wave of what the releases read before they start (Secrets, their stores, ServiceAccounts): before every release. */
export const prerequisiteWave = -1;

/** Metadata of such an object of the target's namespace: on Argo CD it syncs before every release. */
export function prerequisiteMetadata(environment: ResolvedEnvironment, name: string): Manifest {
  return {
    name,
    namespace: environment.infrastructure.namespace,
    labels: slipwayLabels(environment),
    ...(environment.reconciler === 'argocd' ? { annotations: syncWaveAnnotation(prerequisiteWave) } : {}),
  };
}

/** A ServiceAccount of the target's namespace that pods or a SecretStore run as; never an API token in a pod. */
/** `annotations`: the account's own (IRSA's role ARN, GKE Workload Identity); Slipway's (Argo CD's sync wave) win over them. */
export function serviceAccount(environment: ResolvedEnvironment, name: string, annotations: Record<string, string> = {}): ManifestFile {
  const metadata = prerequisiteMetadata(environment, name);
  const merged = { ...annotations, ...(metadata.annotations as Record<string, string> | undefined) };
  return {
    file: `serviceaccount-${name}.yaml`,
    manifest: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: Object.keys(merged).length > 0 ? { ...metadata, annotations: merged } : metadata, automountServiceAccountToken: false },
  };
}

export function manifestFile(path: string, manifest: Manifest): OutputFile {
  const file = { path: `k8s/${path}`, bytes: describingOnly ? noBytes : yamlBytes(manifest) };
  serialisedFrom.set(file, manifest);
  return file;
}

const noBytes = new Uint8Array(0);
let describingOnly = false;

/**
 * Runs `render` with `manifestFile` recording each object but writing no bytes: the checks of an
 * environment's extras only ask which objects its folder holds, and serialising them all was most
 * of what those checks cost. What it returns must not be written anywhere.
 */
export function describeOnly<T>(render: () => T): T {
  const before = describingOnly;
  describingOnly = true;
  try {
    return render();
  } finally {
    describingOnly = before;
  }
}

/**
 * The object each file `manifestFile` made was written from. The extras' checks ask what kind and
 * name each object of k8s/ has; reading that back from the object, not by parsing the bytes just
 * written, saves a YAML parse of every Kubernetes folder, twice per build.
 */
const serialisedFrom = new WeakMap<OutputFile, Manifest>();

/** The object a file of k8s/ holds: the one it was serialised from, or its bytes parsed. */
export function objectOf(file: OutputFile): Manifest {
  return serialisedFrom.get(file) ?? parsedObjectOf(file);
}

/**
 * The object exactly as a reader of the file sees it: no key whose value the serialiser leaves out
 * (a JSON copy drops them the same way, at a fraction of a YAML parse).
 */
export function parsedObjectOf(file: OutputFile): Manifest {
  const object = serialisedFrom.get(file);
  return object ? (JSON.parse(JSON.stringify(object)) as Manifest) : (parse(new TextDecoder().decode(file.bytes)) as Manifest);
}

export function namespace(environment: ResolvedEnvironment): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: environment.infrastructure.namespace,
      labels: {
        ...slipwayLabels(environment),
        'slipway.dev/mode': environment.mode,
        'slipway.dev/tier': environment.tier,
        // Nothing Slipway runs needs more than the baseline Pod Security Standard.
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  };
}

/** Enterprise: deny by default; each service's own NetworkPolicy (in the chart) opens only what it needs. */
export function defaultDenyPolicy(environment: ResolvedEnvironment): Manifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny', namespace: environment.infrastructure.namespace, labels: slipwayLabels(environment) },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  };
}

export interface ReleaseNode {
  name: string;
  /** The pinned chart of an embedded resource; absent for a release of the application chart. */
  embedded?: EmbeddedRelease;
  /** Releases that must be ready before this one: services it depends on and embedded resources it uses. */
  dependsOn: string[];
}

/**
 * Application releases and embedded resources as one DAG; embedded resources come first and depend on
 * nothing. A resource and a release with one name would be one Kubernetes object (the check refuses it).
 */
export function releaseGraph(environment: ResolvedEnvironment, embedded: readonly EmbeddedRelease[]): ReleaseNode[] {
  const releases = chartReleases(environment);
  const releaseNames = new Set(releases.map((release) => release.name));
  const clash = embedded.find((resource) => releaseNames.has(resource.name));
  if (clash) throw new BugError(`${environment.name}: the resource "${clash.name}" shares its name with a release; the kubernetes check should have refused it`);
  const embeddedNames = new Set(embedded.map((resource) => resource.name));
  const nodes: ReleaseNode[] = embedded.map((resource) => ({ name: resource.name, embedded: resource, dependsOn: [] }));
  for (const release of releases) {
    const resources = release.usesResources.filter((name) => embeddedNames.has(name));
    nodes.push({ name: release.name, dependsOn: [...new Set([...resources, ...release.dependsOn])].sort() });
  }
  return nodes;
}

/** Argo CD sync waves from the DAG: a release's wave is one more than its latest dependency's (resources 0, services from 1). */
export function syncWaves(nodes: readonly ReleaseNode[]): Map<string, number> {
  const waves = new Map<string, number>();
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const wave = (name: string, seen: Set<string>): number => {
    const known = waves.get(name);
    if (known !== undefined) return known;
    const node = byName.get(name);
    if (!node || seen.has(name)) return 0;
    seen.add(name);
    const value = node.embedded ? 0 : Math.max(1, ...node.dependsOn.map((dependency) => wave(dependency, seen) + 1));
    waves.set(name, value);
    return value;
  };
  for (const node of nodes) wave(node.name, new Set());
  return waves;
}
