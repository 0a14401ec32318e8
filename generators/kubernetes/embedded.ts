import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment, ResolvedResource } from '../../src/model/index.js';
import { generatedSecretName } from '../helm-values/values.js';

/**
 * Resources a Kubernetes target runs itself (`managed: false`): maintained Bitnami charts from
 * their OCI registry, each pinned to a chart version that ships the requested major version.
 */
export const bitnamiRepository = { name: 'bitnami', oci: 'oci://registry-1.docker.io/bitnamicharts', argocd: 'registry-1.docker.io/bitnamicharts' };

interface Pin {
  chart: string;
  /** Chart version by the resource's declared version (or its major), and the one used when none is declared. */
  byVersion: Record<string, string>;
  latest: string;
}

const pins: Record<ResolvedResource['type'], Pin> = {
  postgres: { chart: 'postgresql', byVersion: { '14': '11.6.9', '15': '12.5.9', '16': '15.5.38', '17': '16.3.1' }, latest: '16.3.1' },
  mysql: { chart: 'mysql', byVersion: { '8.0': '10.3.0', '8.4': '12.3.5' }, latest: '12.3.5' },
  redis: { chart: 'redis', byVersion: { '7': '19.5.0', '7.2': '19.5.0' }, latest: '19.5.0' },
  'object-storage': { chart: 'minio', byVersion: {}, latest: '14.6.14' },
};

export interface EmbeddedRelease {
  name: string;
  chart: string;
  version: string;
  values: Record<string, unknown>;
}

/** The embedded resources of a Kubernetes target; their passwords come from the `generated-secrets` Secret. */
export function embeddedReleases(environment: ResolvedEnvironment): EmbeddedRelease[] {
  return environment.resources.filter((resource) => !resource.managed).map((resource) => embeddedRelease(environment, resource));
}

function chartVersion(resource: Pick<ResolvedResource, 'type' | 'version'>): string | undefined {
  const pin = pins[resource.type];
  return resource.version === undefined ? pin.latest : (pin.byVersion[resource.version] ?? pin.byVersion[resource.version.split('.')[0]!]);
}

/** Why a resource cannot run embedded on Kubernetes, or undefined when it can (the check reports it at its source). */
export function embeddedChartProblem(resource: Pick<ResolvedResource, 'type' | 'version'>): string | undefined {
  if (chartVersion(resource) !== undefined) return undefined;
  return `no pinned chart runs ${resource.type} ${resource.version} embedded on Kubernetes; supported: ${Object.keys(pins[resource.type].byVersion).join(', ')}`;
}

function embeddedRelease(environment: ResolvedEnvironment, resource: ResolvedResource): EmbeddedRelease {
  const version = chartVersion(resource);
  if (version === undefined) {
    throw new BugError(`${environment.name}: the embedded resource "${resource.name}": ${embeddedChartProblem(resource)}; the kubernetes check should have reported it`);
  }
  return { name: resource.name, chart: pins[resource.type].chart, version, values: chartValues(environment, resource) };
}

/** Values for the resource's Bitnami chart: its name, the account the services expect, storage, and the password from generated-secrets. */
function chartValues(environment: ResolvedEnvironment, resource: ResolvedResource): Record<string, unknown> {
  const password = passwordKey(environment, resource);
  const persistence = resource.storage === undefined ? {} : { persistence: { size: resource.storage } };
  const { username, database } = accountNames(environment, resource);
  switch (resource.type) {
    case 'postgres':
      return {
        fullnameOverride: resource.name,
        auth: {
          enablePostgresUser: false,
          username,
          database,
          ...(password ? { existingSecret: generatedSecretName, secretKeys: { userPasswordKey: password } } : {}),
        },
        primary: persistence,
      };
    case 'mysql':
      // Bitnami's MySQL chart reads fixed key names from an existing Secret, so it keeps its own generated passwords.
      return { fullnameOverride: resource.name, auth: { username, database }, primary: persistence };
    case 'redis':
      return {
        fullnameOverride: resource.name,
        architecture: 'standalone',
        auth: password ? { enabled: true, existingSecret: generatedSecretName, existingSecretPasswordKey: password } : { enabled: true },
        master: persistence,
      };
    case 'object-storage':
      return { fullnameOverride: resource.name, mode: 'standalone', ...persistence };
  }
}

/** The generated secret that holds this resource's password: `<NAME>_PASSWORD`, else the conventional DB_/REDIS_PASSWORD. */
function passwordKey(environment: ResolvedEnvironment, resource: ResolvedResource): string | undefined {
  const conventional = resource.type === 'redis' ? 'REDIS_PASSWORD' : resource.type === 'object-storage' ? undefined : 'DB_PASSWORD';
  const candidates = [`${resource.name.toUpperCase().replace(/-/g, '_')}_PASSWORD`, ...(conventional ? [conventional] : [])];
  const usable = new Set(
    environment.secrets.generated.filter((secret) => secret.services.some((service) => resource.usedBy.includes(service))).map((secret) => secret.name),
  );
  return candidates.find((name) => usable.has(name));
}

/** The database user and name the services expect (their DB_USERNAME / DB_DATABASE), else the resource's name. */
function accountNames(environment: ResolvedEnvironment, resource: ResolvedResource): { username: string; database: string } {
  const users = environment.services.filter((service) => resource.usedBy.includes(service.name));
  const first = (key: string) => users.map((service) => service.env[key]).find((value) => value !== undefined && value !== '');
  return { username: first('DB_USERNAME') ?? resource.name, database: first('DB_DATABASE') ?? resource.name };
}
