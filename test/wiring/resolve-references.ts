import type { ResolvedEnvironment } from '../../src/model/index.js';
import type { K8sObject } from '../support/kubernetes-objects.js';
import { embeddedChartObjects, embeddedReleases } from './embedded-charts.js';
import type { TerraformCatalogue } from './terraform-catalogue.js';

/**
 * The wiring check of a Kubernetes target (SPEC §8): every Secret, key, ConfigMap and
 * ServiceAccount a rendered workload reads must be created by the same environment's output —
 * an object rendered by Helm or kustomize (a secretGenerator's or KSOPS' Secret holds its dotenv's
 * keys), an ExternalSecret whose remote secret this environment's Terraform writes or that is a
 * declared infraSecrets reference, a Secret of Terraform's Kubernetes provider, or what an
 * embedded resource's chart creates (./embedded-charts.ts). Each dangling reference is one line:
 * `env/<environment> <Kind>/<name> container <c>: <VAR> → secret <s> key <k>: nothing creates it`.
 */

export interface KubernetesOutput {
  environment: string;
  /** Every object the environment's output renders (Helm, kustomize, KSOPS), `metadata.namespace` set to where it is applied. */
  objects: readonly K8sObject[];
  terraform: TerraformCatalogue | undefined;
  /** The environment's declared infraSecrets references (ARNs, `vault:…`, …). */
  infraReferences: readonly string[];
  /** Parses an Argo CD `helm.values` string (YAML). */
  parseValues?: (text: string) => unknown;
}

/** Something in the cluster the output makes: its keys when it holds data. */
export interface Created {
  kind: string;
  name: string;
  /** undefined: Terraform names it with an expression; matches any namespace. */
  namespace: string | undefined;
  keys?: ReadonlySet<string>;
  by: string;
}

/** One thing a workload reads. `from` is `Kind/name container c`, `via` the variable or field. */
export interface Reference {
  from: string;
  via: string;
  kind: 'secret' | 'configmap' | 'serviceaccount';
  name: string;
  key?: string;
  namespace: string;
}

const kindOf: Record<Reference['kind'], string> = { secret: 'Secret', configmap: 'ConfigMap', serviceaccount: 'ServiceAccount' };
const workloadKinds = new Set(['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);
const record = (value: unknown): Record<string, any> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, any>) : {});
const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const keysOf = (...maps: unknown[]) => new Set(maps.flatMap((map) => Object.keys(record(map))));

export function isWorkload(object: K8sObject): boolean {
  return workloadKinds.has(object.kind ?? '');
}

/** The pod spec of a workload (a CronJob's through its job template). */
export function podSpecOf(object: K8sObject): Record<string, any> {
  const spec = record(object.spec);
  if (object.kind === 'Pod') return spec;
  if (object.kind === 'CronJob') return record(record(record(record(spec.jobTemplate).spec).template).spec);
  return record(record(spec.template).spec);
}

export function containersOf(object: K8sObject): Array<{ label: string; container: Record<string, any> }> {
  const pod = podSpecOf(object);
  return [
    ...list(pod.initContainers).map((container) => ({ label: `init container ${container.name}`, container })),
    ...list(pod.containers).map((container) => ({ label: `container ${container.name}`, container })),
  ];
}

/** Every Secret, ConfigMap and ServiceAccount one workload reads. `optional: true` references are left out: Kubernetes starts the pod without them. */
export function workloadReferences(object: K8sObject): Reference[] {
  const namespace = String(record(object.metadata).namespace ?? '');
  const workload = `${object.kind}/${object.metadata?.name}`;
  const pod = podSpecOf(object);
  const references: Reference[] = [];
  const add = (from: string, via: string, kind: Reference['kind'], source: Record<string, any>, key?: string) => {
    if (source.optional === true) return;
    references.push({ from, via, kind, name: String(source.name ?? source.secretName ?? ''), ...(key !== undefined ? { key } : {}), namespace });
  };
  for (const { label, container } of containersOf(object)) {
    const from = `${workload} ${label}`;
    for (const variable of list(container.env)) {
      const valueFrom = record(variable.valueFrom);
      if (valueFrom.secretKeyRef) add(from, variable.name, 'secret', valueFrom.secretKeyRef, String(valueFrom.secretKeyRef.key));
      if (valueFrom.configMapKeyRef) add(from, variable.name, 'configmap', valueFrom.configMapKeyRef, String(valueFrom.configMapKeyRef.key));
    }
    for (const source of list(container.envFrom)) {
      if (source.secretRef) add(from, 'envFrom', 'secret', source.secretRef);
      if (source.configMapRef) add(from, 'envFrom', 'configmap', source.configMapRef);
    }
  }
  for (const volume of list(pod.volumes)) {
    const via = `volume ${volume.name}`;
    const sources = [
      ...(volume.secret ? [['secret', volume.secret] as const] : []),
      ...(volume.configMap ? [['configmap', volume.configMap] as const] : []),
      ...list(record(volume.projected).sources).flatMap((source) => [
        ...(source.secret ? [['secret', source.secret] as const] : []),
        ...(source.configMap ? [['configmap', source.configMap] as const] : []),
      ]),
    ];
    for (const [kind, source] of sources) {
      const items = list(source.items);
      if (items.length === 0) add(workload, via, kind, source);
      for (const item of items) add(workload, via, kind, source, String(item.key));
    }
  }
  for (const secret of list(pod.imagePullSecrets)) add(workload, 'imagePullSecrets', 'secret', secret);
  const account = pod.serviceAccountName ?? pod.serviceAccount;
  // Kubernetes creates `default` in every namespace itself.
  if (typeof account === 'string' && account !== 'default') references.push({ from: workload, via: 'serviceAccountName', kind: 'serviceaccount', name: account, namespace });
  return references;
}

/** Where an ExternalSecret's target keys come from, and the key of the Secret it makes. */
function externalSecretTarget(object: K8sObject): { name: string; keys: Set<string> } {
  const spec = record(object.spec);
  const template = record(record(spec.target).template);
  const data = new Set(list(spec.data).map((entry) => String(entry.secretKey)));
  const templated = keysOf(template.data);
  const keys = templated.size > 0 && template.mergePolicy !== 'Merge' ? templated : new Set([...data, ...templated]);
  return { name: String(record(spec.target).name ?? object.metadata?.name), keys };
}

/** The environment's declared infraSecrets references (ARNs, `vault:…`, `do:…`), the `references` a checker is given. */
export const infraReferences = (environment: ResolvedEnvironment): string[] =>
  [...new Set([...environment.secrets.infra.flatMap((secret) => (secret.reference ? [secret.reference] : [])), ...Object.values(environment.secrets.infraReferences)])].sort();

/** Does a remote secret key (and property) name one of the declared infraSecrets references? */
export function isDeclaredReference(key: string, property: string | undefined, references: readonly string[]): boolean {
  return references.some((reference) => {
    const [base = '', fragment] = reference.split('#');
    const bare = base.startsWith('arn:') ? base : base.replace(/^[a-z][a-z0-9+.-]*:/, '');
    if (key !== reference && key !== base && key !== bare) return false;
    return fragment === undefined || key === reference || property === fragment;
  });
}

/**
 * The path a remote key stands for in its store: a Vault store puts its KV mount (and `data/` for
 * KV v2) in front, as Vault's API does, so it compares with a `vault:` reference as written.
 */
function storePath(objects: readonly K8sObject[], namespace: string, storeRef: Record<string, unknown>, key: string): string {
  const kind = String(storeRef.kind ?? 'SecretStore');
  const store = objects.find((object) => object.kind === kind && object.metadata?.name === storeRef.name && (kind === 'ClusterSecretStore' || String(record(object.metadata).namespace ?? '') === namespace));
  const vault = record(record(record(store?.spec).provider).vault);
  if (vault.path === undefined) return key;
  return `${String(vault.path)}/${vault.version === 'v1' ? '' : 'data/'}${key}`;
}

/** A remote reference of an ExternalSecret, or why nothing writes it. */
function remoteProblem(output: KubernetesOutput, key: string, property: string | undefined): string | undefined {
  if (isDeclaredReference(key, property, output.infraReferences)) return undefined;
  const secret = [...(output.terraform?.secrets.values() ?? [])].find((candidate) => candidate.name === key);
  if (!secret) return 'nothing creates it';
  if (property !== undefined && !secret.properties.has(property)) return `${secret.address} writes no such key`;
  return undefined;
}

/** Everything the output creates in the cluster, and what embedded charts read. */
export function createdObjects(output: KubernetesOutput): { created: Created[]; reads: Reference[]; problems: string[] } {
  const created: Created[] = [];
  const reads: Reference[] = [];
  const problems: string[] = [];
  const objects = allObjects(output);
  for (const object of objects) {
    const name = String(object.metadata?.name ?? '');
    const namespace = String(record(object.metadata).namespace ?? '');
    const by = `${object.kind}/${name}`;
    if (object.kind === 'Secret') created.push({ kind: 'Secret', name, namespace, keys: keysOf(object.data, object.stringData), by });
    else if (object.kind === 'ConfigMap') created.push({ kind: 'ConfigMap', name, namespace, keys: keysOf(object.data, object.binaryData), by });
    else if (object.kind === 'ExternalSecret') {
      const target = externalSecretTarget(object);
      for (const source of list(record(object.spec).dataFrom)) {
        const extract = record(source.extract);
        const secret = [...(output.terraform?.secrets.values() ?? [])].find((candidate) => candidate.name === extract.key);
        for (const key of secret?.properties ?? []) target.keys.add(key);
      }
      created.push({ kind: 'Secret', name: target.name, namespace, keys: target.keys, by });
    } else if (object.kind) created.push({ kind: object.kind, name, namespace, by });
  }
  for (const resource of output.terraform?.kubernetes ?? []) {
    if (resource.manifest || resource.name === undefined) continue;
    created.push({ kind: resource.kind, name: resource.name, namespace: resource.namespace, ...(resource.keys ? { keys: resource.keys } : {}), by: resource.address });
  }
  for (const release of embeddedReleases(objects, output.parseValues ?? (() => undefined))) {
    const chart = embeddedChartObjects(release);
    if ('problem' in chart) {
      problems.push(chart.problem);
      continue;
    }
    const by = `${release.label} (chart ${release.chart} ${release.version})`;
    for (const service of chart.services) created.push({ kind: 'Service', name: service, namespace: release.namespace, by });
    for (const secret of chart.secrets) created.push({ kind: 'Secret', name: secret.name, namespace: release.namespace, keys: new Set(secret.keys), by });
    for (const read of chart.reads) reads.push({ from: by, via: read.via, kind: 'secret', name: read.secret, key: read.key, namespace: release.namespace });
  }
  return { created, reads, problems };
}

/** The rendered objects plus those Terraform's `kubernetes_manifest` resources apply. */
function allObjects(output: KubernetesOutput): K8sObject[] {
  return [...output.objects, ...(output.terraform?.kubernetes ?? []).flatMap((resource) => (resource.manifest ? [resource.manifest as K8sObject] : []))];
}

export function resolves(reference: Reference, created: readonly Created[]): boolean {
  return created.some(
    (candidate) =>
      candidate.kind === kindOf[reference.kind] &&
      candidate.name === reference.name &&
      (candidate.namespace === undefined || candidate.namespace === reference.namespace) &&
      (reference.key === undefined || candidate.keys?.has(reference.key) === true),
  );
}

export function describeReference(reference: Reference): string {
  return `${reference.from}: ${reference.via} → ${reference.kind} ${reference.name}${reference.key !== undefined ? ` key ${reference.key}` : ''}: nothing creates it`;
}

/**
 * `$(NAME)` in a container's `env` values that Kubernetes would leave as it is: it expands a name
 * only from the variables defined before it (earlier `env` entries, and every `envFrom` key);
 * `$$` is an escaped `$`.
 */
export function unexpandedVariables(object: K8sObject, created: readonly Created[]): string[] {
  const lines: string[] = [];
  const workload = `${object.kind}/${object.metadata?.name}`;
  const namespace = String(record(object.metadata).namespace ?? '');
  for (const { label, container } of containersOf(object)) {
    const defined = new Set<string>();
    for (const source of list(container.envFrom)) {
      const reference = source.secretRef ?? source.configMapRef;
      const kind = source.secretRef ? 'Secret' : 'ConfigMap';
      const found = created.find((candidate) => candidate.kind === kind && candidate.name === reference?.name && (candidate.namespace === undefined || candidate.namespace === namespace));
      for (const key of found?.keys ?? []) defined.add(`${source.prefix ?? ''}${key}`);
    }
    for (const variable of list(container.env)) {
      const value = typeof variable.value === 'string' ? variable.value.replaceAll('$$', '') : '';
      for (const [, name] of value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        if (!defined.has(name!)) lines.push(`${workload} ${label}: ${variable.name} → $(${name}): no variable of that name is defined before it`);
      }
      defined.add(String(variable.name));
    }
  }
  return lines;
}

/** Every dangling reference of one Kubernetes target, sorted; empty when it is wired. */
export function danglingKubernetesReferences(output: KubernetesOutput): string[] {
  const { created, reads, problems } = createdObjects(output);
  const objects = allObjects(output);
  const lines = [...problems];
  for (const reference of [...objects.filter(isWorkload).flatMap(workloadReferences), ...reads]) {
    if (!resolves(reference, created)) lines.push(describeReference(reference));
  }
  for (const workload of objects.filter(isWorkload)) lines.push(...unexpandedVariables(workload, created));
  for (const object of objects.filter((candidate) => candidate.kind === 'ExternalSecret')) {
    const spec = record(object.spec);
    const label = `ExternalSecret/${object.metadata?.name}`;
    const namespace = String(record(object.metadata).namespace ?? '');
    const store = record(spec.secretStoreRef);
    const storeKind = String(store.kind ?? 'SecretStore');
    const storeFound = created.some((candidate) => candidate.kind === storeKind && candidate.name === store.name && (storeKind === 'ClusterSecretStore' || candidate.namespace === undefined || candidate.namespace === namespace));
    if (!storeFound) lines.push(`${label}: secretStoreRef → ${storeKind}/${store.name}: nothing creates it`);
    for (const entry of list(spec.data)) {
      const remote = record(entry.remoteRef);
      const property = remote.property === undefined ? undefined : String(remote.property);
      const entryStore = record(record(record(entry.sourceRef).storeRef).name === undefined ? store : record(entry.sourceRef).storeRef);
      const problem = remoteProblem(output, storePath(objects, namespace, entryStore, String(remote.key)), property);
      if (problem) lines.push(`${label}: ${entry.secretKey} → remote ${remote.key}${property !== undefined ? ` property ${property}` : ''}: ${problem}`);
    }
    for (const source of list(spec.dataFrom)) {
      const extract = record(source.extract);
      if (extract.key === undefined) continue;
      const problem = remoteProblem(output, String(extract.key), undefined);
      if (problem) lines.push(`${label}: dataFrom → remote ${extract.key}: ${problem}`);
    }
  }
  return [...new Set(lines)].map((line) => `env/${output.environment} ${line}`).sort();
}

/** The variables each container of a workload receives: `env` names and the keys its `envFrom` sources hold. */
export function containerVariables(object: K8sObject, created: readonly Created[]): Map<string, Set<string>> {
  const namespace = String(record(object.metadata).namespace ?? '');
  const variables = new Map<string, Set<string>>();
  for (const { label, container } of containersOf(object)) {
    const names = new Set(list(container.env).map((variable) => String(variable.name)));
    for (const source of list(container.envFrom)) {
      const ref = record(source.secretRef ?? source.configMapRef);
      const kind = source.secretRef ? 'Secret' : 'ConfigMap';
      const found = created.find((candidate) => candidate.kind === kind && candidate.name === ref.name && (candidate.namespace === undefined || candidate.namespace === namespace));
      for (const key of found?.keys ?? []) names.add(`${source.prefix ?? ''}${key}`);
    }
    variables.set(label, names);
  }
  return variables;
}
