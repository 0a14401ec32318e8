import type { K8sObject } from '../support/kubernetes-objects.js';

/**
 * What the Bitnami charts of embedded resources (generators/kubernetes/embedded.ts) create and
 * read. Their charts live in an OCI registry and cannot be rendered offline, so this is a table,
 * written from the charts' templates (bitnami/charts: `common.names.fullname`, the primary/master
 * Service templates, secret.yaml and the StatefulSets' `secretKeyRef`s) at the pinned versions:
 *
 * | chart | Services | Secret it creates (unless `existingSecret`) | what it reads from `existingSecret` |
 * | --- | --- | --- | --- |
 * | postgresql | `<fullname>`, `<fullname>-hl` (replication: `-primary`, `-read`, each with `-hl`) | `<fullname>`: `postgres-password` (enablePostgresUser), `password` (auth.username), `replication-password` (replication) | `auth.secretKeys.adminPasswordKey` / `userPasswordKey` / `replicationPasswordKey`, same defaults |
 * | mysql | `<fullname>`, `<fullname>-headless` (replication: `-primary`, `-secondary`, each with `-headless`) | `<fullname>`: `mysql-root-password`, `mysql-password` (auth.username), `mysql-replication-password` (replication) | the same key names |
 * | redis | `<fullname>-master`, `<fullname>-headless` (replication: also `-replicas`) | `<fullname>`: `redis-password` (auth.enabled, the default) | `auth.existingSecretPasswordKey`, default `redis-password` |
 * | minio | `<fullname>` (distributed: also `-headless`) | `<fullname>`: `root-user`, `root-password` | `auth.rootUserSecretKey` / `rootPasswordSecretKey`, defaults `root-user` / `root-password` |
 *
 * `<fullname>` is `fullnameOverride`, else the release name when it contains the chart's name,
 * else `<release>-<chart>`. A chart or version that is not in the table is reported, so a new pin
 * cannot pass without someone saying here what it creates.
 */

export interface EmbeddedRelease {
  /** `HelmRelease/database` or `Application/dev-database`, for messages. */
  label: string;
  chart: string;
  version: string;
  repository: string;
  release: string;
  namespace: string;
  values: Record<string, unknown>;
}

export interface EmbeddedChartObjects {
  services: string[];
  secrets: Array<{ name: string; keys: string[] }>;
  /** Secrets the chart's own pods read: `via` names the value that points there. */
  reads: Array<{ via: string; secret: string; key: string }>;
}

interface ChartModel {
  versions: readonly string[];
  objects(values: Values, fullname: string): EmbeddedChartObjects;
}

type Values = (path: string) => unknown;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The Secret a chart creates, or what it reads from the existing one instead. */
function passwords(values: Values, fullname: string, existingSecretPath: string, keys: Array<[via: string, key: string]>): Pick<EmbeddedChartObjects, 'secrets' | 'reads'> {
  const existing = text(values(existingSecretPath));
  if (existing === '') return { secrets: [{ name: fullname, keys: keys.map(([, key]) => key) }], reads: [] };
  return { secrets: [], reads: keys.map(([via, key]) => ({ via, secret: existing, key })) };
}

const charts: Record<string, ChartModel> = {
  postgresql: {
    versions: ['11.6.9', '12.5.9', '15.5.38', '16.3.1'],
    objects(values, fullname) {
      const replication = values('architecture') === 'replication';
      const username = text(values('auth.username'));
      const keys: Array<[string, string]> = [];
      if (values('auth.enablePostgresUser') !== false) keys.push(['auth.secretKeys.adminPasswordKey', text(values('auth.secretKeys.adminPasswordKey')) || 'postgres-password']);
      if (username !== '' && username !== 'postgres') keys.push(['auth.secretKeys.userPasswordKey', text(values('auth.secretKeys.userPasswordKey')) || 'password']);
      if (replication) keys.push(['auth.secretKeys.replicationPasswordKey', text(values('auth.secretKeys.replicationPasswordKey')) || 'replication-password']);
      const primary = replication ? `${fullname}-primary` : fullname;
      const services = [primary, `${primary}-hl`, ...(replication ? [`${fullname}-read`, `${fullname}-read-hl`] : [])];
      if (text(values('auth.existingSecret')) !== '') {
        return { services, secrets: [], reads: keys.map(([via, key]) => ({ via: `auth.existingSecret ${via}`, secret: text(values('auth.existingSecret')), key })) };
      }
      return { services, secrets: [{ name: fullname, keys: keys.map(([, key]) => key) }], reads: [] };
    },
  },
  mysql: {
    versions: ['10.3.0', '12.3.5'],
    objects(values, fullname) {
      const replication = values('architecture') === 'replication';
      const username = text(values('auth.username'));
      const keys: Array<[string, string]> = [['auth.existingSecret', 'mysql-root-password']];
      if (username !== '' && username !== 'root') keys.push(['auth.existingSecret', 'mysql-password']);
      if (replication) keys.push(['auth.existingSecret', 'mysql-replication-password']);
      const primary = replication ? `${fullname}-primary` : fullname;
      const services = [primary, `${primary}-headless`, ...(replication ? [`${fullname}-secondary`, `${fullname}-secondary-headless`] : [])];
      return { services, ...passwords(values, fullname, 'auth.existingSecret', keys) };
    },
  },
  redis: {
    versions: ['19.5.0'],
    objects(values, fullname) {
      const replication = (values('architecture') ?? 'replication') === 'replication';
      const services = [`${fullname}-master`, `${fullname}-headless`, ...(replication ? [`${fullname}-replicas`] : [])];
      if (values('auth.enabled') === false) return { services, secrets: [], reads: [] };
      const key = text(values('auth.existingSecretPasswordKey')) || 'redis-password';
      return { services, ...passwords(values, fullname, 'auth.existingSecret', [['auth.existingSecretPasswordKey', key]]) };
    },
  },
  minio: {
    versions: ['14.6.14'],
    objects(values, fullname) {
      const services = [fullname, ...(values('mode') === 'distributed' ? [`${fullname}-headless`] : [])];
      const keys: Array<[string, string]> = [
        ['auth.rootUserSecretKey', text(values('auth.rootUserSecretKey')) || 'root-user'],
        ['auth.rootPasswordSecretKey', text(values('auth.rootPasswordSecretKey')) || 'root-password'],
      ];
      return { services, ...passwords(values, fullname, 'auth.existingSecret', keys) };
    },
  },
};

/** Bitnami's `common.names.fullname`. */
export function bitnamiFullname(release: string, chart: string, values: Values): string {
  const override = text(values('fullnameOverride'));
  if (override !== '') return override.slice(0, 63).replace(/-+$/, '');
  const name = text(values('nameOverride')) || chart;
  return (release.includes(name) ? release : `${release}-${name}`).slice(0, 63).replace(/-+$/, '');
}

/** What an embedded release creates and reads, or why the table cannot say. */
export function embeddedChartObjects(release: EmbeddedRelease): EmbeddedChartObjects | { problem: string } {
  const model = charts[release.chart];
  const where = `${release.label} (${release.repository} ${release.chart} ${release.version})`;
  if (!release.repository.includes('bitnamicharts') || !model || !model.versions.includes(release.version)) {
    return { problem: `${where}: not in the table of what embedded charts create (test/wiring/embedded-charts.ts)` };
  }
  const values: Values = (path) => path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), release.values);
  return model.objects(values, bitnamiFullname(release.release, release.chart, values));
}

const record = (value: unknown): Record<string, any> => (value !== null && typeof value === 'object' ? (value as Record<string, any>) : {});

/**
 * The releases of third-party charts among the reconciler objects: a Flux HelmRelease whose chart
 * comes from a HelmRepository, an Argo CD Application with `source.chart`.
 */
export function embeddedReleases(objects: readonly K8sObject[], parseValues: (text: string) => unknown): EmbeddedRelease[] {
  const releases: EmbeddedRelease[] = [];
  for (const object of objects) {
    const metadata = record(object.metadata);
    const spec = record(object.spec);
    // Add-on charts (an environment's `addons`) are charts the user picked with their own values: no
    // workload Slipway renders reads what they create, so they are not in this table.
    if (object.kind === 'HelmRelease' && String(record(record(spec.chart).spec).sourceRef?.name ?? '').startsWith('addon-')) continue;
    if (object.kind === 'Application' && String(spec.project ?? '').endsWith('-addons')) continue;
    if (object.kind === 'HelmRelease' && record(record(spec.chart).spec).sourceRef?.kind === 'HelmRepository') {
      const chart = record(record(spec.chart).spec);
      const repository = objects.find((candidate) => candidate.kind === 'HelmRepository' && candidate.metadata?.name === chart.sourceRef.name);
      const namespace = text(spec.targetNamespace) || text(metadata.namespace);
      releases.push({
        label: `HelmRelease/${metadata.name}`,
        chart: text(chart.chart),
        version: text(chart.version),
        repository: text(record(repository?.spec).url) || `HelmRepository/${chart.sourceRef.name} (not rendered)`,
        release: text(spec.releaseName) || (spec.targetNamespace ? `${spec.targetNamespace}-${metadata.name}` : text(metadata.name)),
        namespace,
        values: record(spec.values),
      });
    }
    if (object.kind === 'Application') {
      for (const source of [spec.source, ...(Array.isArray(spec.sources) ? spec.sources : [])].map(record)) {
        if (!source.chart) continue;
        const helm = record(source.helm);
        releases.push({
          label: `Application/${metadata.name}`,
          chart: text(source.chart),
          version: text(source.targetRevision),
          repository: text(source.repoURL),
          release: text(helm.releaseName) || text(metadata.name),
          namespace: text(record(spec.destination).namespace),
          values: { ...record(typeof helm.values === 'string' ? parseValues(helm.values) : undefined), ...record(helm.valuesObject) },
        });
      }
    }
  }
  return releases;
}
