import { risk } from './core.js';
import { code, filePairs, isRecord, type EnvironmentPair, type FilePair, type RiskRule } from './types.js';

/** Rules over `environments/<env>/helm/<service>.values.yaml` and the Kubernetes objects in `k8s/`. */

const singleReplica: RiskRule = {
  id: 'helm-single-replica',
  categories: ['downtime'],
  description: '`replicaCount`, `replicas` or `autoscaling.minReplicas` goes down to 1: every rollout or node drain is an outage',
  check(environment) {
    return valuesFiles(environment).flatMap(({ path, before, after }) =>
      (['replicaCount', 'replicas', 'autoscaling.minReplicas'] as const).flatMap((key) => {
        // A minimum of a disabled autoscaler sets nothing.
        if (key === 'autoscaling.minReplicas' && isRecord(after) && isRecord(after.autoscaling) && after.autoscaling.enabled === false) return [];
        const was = numberAt(before, key);
        const now = numberAt(after, key);
        if (now === undefined || now > 1 || (was !== undefined && was <= 1)) return [];
        if (was === undefined && before === undefined) return [];
        return [risk(this, 'downtime', environment, `${code(key)} goes ${was === undefined ? 'to' : `from ${was} to`} ${now}`, path)];
      }),
    );
  },
};

const recreate: RiskRule = {
  id: 'helm-recreate-strategy',
  categories: ['downtime'],
  description: 'a deployment strategy becomes `Recreate`: every pod stops before the new ones start',
  check(environment) {
    const found = [];
    for (const { path, before, after } of documentFiles(environment)) {
      if (recreates(after) && !recreates(before)) found.push(risk(this, 'downtime', environment, `strategy becomes ${code('Recreate')}: all pods stop before new ones start`, path));
    }
    return found;
  },
};

const publicEndpoint: RiskRule = {
  id: 'public-endpoint',
  categories: ['security'],
  description: 'a new public endpoint: an ingress host, or a Service of type LoadBalancer or NodePort',
  check(environment) {
    const found = [];
    for (const { path, before, after } of documentFiles(environment)) {
      const was = new Set(endpoints(before));
      for (const endpoint of endpoints(after)) {
        if (!was.has(endpoint)) found.push(risk(this, 'security', environment, `new public endpoint ${code(endpoint)}`, path));
      }
    }
    return found;
  },
};

export const helmRules: readonly RiskRule[] = [singleReplica, recreate, publicEndpoint];

function valuesFiles(environment: EnvironmentPair): FilePair[] {
  return filePairs(environment, /^helm\/[^/]+\.ya?ml$/);
}

/** Helm values, then Kubernetes objects (multi-document YAML) as one list per file. */
function documentFiles(environment: EnvironmentPair): FilePair[] {
  return [...valuesFiles(environment), ...filePairs(environment, /^k8s\/.+\.ya?ml$/, { read: 'docs' })];
}

function numberAt(doc: unknown, dotted: string): number | undefined {
  let node: unknown = doc;
  for (const key of dotted.split('.')) node = isRecord(node) ? node[key] : undefined;
  if (node === undefined || node === null) return undefined;
  const value = Number(node);
  return Number.isFinite(value) ? value : undefined;
}

function recreates(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(recreates);
  if (!isRecord(node)) return false;
  return Object.entries(node).some(([key, value]) => {
    if (key === 'strategy' || key === 'updateStrategy') {
      // Upstream charts take `{type: Recreate}`; Slipway's application chart takes `recreate`.
      if (/^recreate$/i.test(String(value)) || (isRecord(value) && value.type === 'Recreate')) return true;
    }
    return recreates(value);
  });
}

/** Ingress hosts and externally reachable Service types, wherever they sit in values or objects. */
function endpoints(node: unknown, into: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) endpoints(item, into);
    return into;
  }
  if (!isRecord(node)) return into;
  if (node.kind === 'Ingress' || (isRecord(node.ingress) && node.ingress.enabled !== false)) {
    const ingress = node.kind === 'Ingress' ? node.spec : node.ingress;
    for (const host of ingressHosts(ingress)) into.push(host);
  }
  const service = node.kind === 'Service' ? node.spec : node.service;
  if (isRecord(service) && (service.type === 'LoadBalancer' || service.type === 'NodePort')) {
    const name = isRecord(node.metadata) && typeof node.metadata.name === 'string' ? node.metadata.name : 'service';
    into.push(`${name} (${String(service.type)})`);
  }
  for (const [key, value] of Object.entries(node)) if (key !== 'ingress' && key !== 'spec') endpoints(value, into);
  if (node.kind !== 'Ingress' && node.kind !== 'Service') endpoints(node.spec, into);
  return into;
}

function ingressHosts(ingress: unknown): string[] {
  if (!isRecord(ingress)) return [];
  const hosts: string[] = typeof ingress.host === 'string' && ingress.host !== '' ? [ingress.host] : [];
  const lists = [ingress.hosts, ingress.rules].filter(Array.isArray) as unknown[][];
  for (const list of lists) {
    for (const entry of list) {
      if (typeof entry === 'string') hosts.push(entry);
      else if (isRecord(entry) && typeof entry.host === 'string') hosts.push(entry.host);
    }
  }
  return hosts;
}
