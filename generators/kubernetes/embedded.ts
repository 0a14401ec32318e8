import { BugError } from '../../src/core/errors.js';
import type { ConnectionField, ResolvedEnvironment, ResolvedResource } from '../../src/model/index.js';
import { generatedSecretName } from '../helm-values/secret-names.js';
import { sqlAccount } from '../infrastructure-shared/naming.js';

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

/** The embedded resources of a Kubernetes target; their passwords come from the `generated-secrets` Secret when the services read them there. */
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
  return { name: resource.name, chart: pins[resource.type].chart, version, values: chartValues(environment, resource, version) };
}

/**
 * What the pinned charts call things, with `fullnameOverride` set to the resource's name (checked
 * against the templates of every version pinned above): the Service a service connects to (the
 * primary's; Redis standalone adds `-master`), the MinIO API port, and the keys of the Secret
 * `<resource>` a chart fills with credentials of its own when Slipway passes none.
 */
const serviceSuffix: Record<ResolvedResource['type'], string> = { postgres: '', mysql: '', redis: '-master', 'object-storage': '' };
const minioApiPort = 9000;
const ownCredentialKeys: Record<ResolvedResource['type'], Partial<Record<ConnectionField, string>>> = {
  postgres: { password: 'password' },
  mysql: { password: 'mysql-password' },
  redis: { password: 'redis-password' },
  'object-storage': { 'access-key-id': 'root-user', 'secret-access-key': 'root-password' },
};

/** A value a container reads: known when Slipway renders, or one key of a Secret of the namespace. */
export type EnvSource = { value: string } | { secretName: string; key: string };

/** Where an embedded resource's address or own credential is in the cluster; undefined for a field its chart does not provide. */
export function embeddedSource(resource: Pick<ResolvedResource, 'name' | 'type'>, field: ConnectionField): EnvSource | undefined {
  if (field === 'host' && resource.type !== 'object-storage') return { value: `${resource.name}${serviceSuffix[resource.type]}` };
  if (field === 'endpoint' && resource.type === 'object-storage') return { value: `http://${resource.name}:${minioApiPort}` };
  const key = ownCredentialKeys[resource.type][field];
  return key === undefined ? undefined : { secretName: resource.name, key };
}

/**
 * The generated secrets that hold this resource's own credentials, as the model decided them (the
 * services read the same ones); the chart must then use exactly those. One credential of MinIO
 * generated and the other not cannot be wired: the check refuses it.
 */
function generatedCredentials(resource: ResolvedResource): Partial<Record<ConnectionField, string>> {
  const generated: Partial<Record<ConnectionField, string>> = {};
  for (const [field, credential] of Object.entries(resource.connection.credentials)) {
    if (credential.generated) generated[field as ConnectionField] = credential.secret;
  }
  return generated;
}

/** Why the MinIO chart cannot hold the credentials the services expect, or undefined when it can. */
export function embeddedCredentialsProblem(environment: ResolvedEnvironment, resource: ResolvedResource): string | undefined {
  if (resource.managed || resource.type !== 'object-storage') return undefined;
  const generated = generatedCredentials(resource);
  const [user, password] = [generated['access-key-id'], generated['secret-access-key']];
  if ((user === undefined) === (password === undefined)) return undefined;
  return `the embedded object storage "${resource.name}" of "${environment.name}" would take its access key id and its secret access key from different places (only ${user ?? password} is a generated secret), and its chart reads both from one Secret`;
}

/** Values for the resource's Bitnami chart: its name, the account the services expect, storage, and the credentials the services read. */
function chartValues(environment: ResolvedEnvironment, resource: ResolvedResource, pinnedVersion: string): Record<string, unknown> {
  const generated = generatedCredentials(resource);
  const password = generated.password;
  const persistence = resource.storage === undefined ? {} : { persistence: { size: resource.storage } };
  switch (resource.type) {
    case 'postgres': {
      const { username, database } = sqlAccount(resource);
      // Chart 12 sets no password at all without the postgres superuser (it allows empty ones instead):
      // there the superuser exists, with the services' password when it is a generated one.
      const superuser = pinnedVersion.startsWith('12.');
      return {
        fullnameOverride: resource.name,
        auth: {
          enablePostgresUser: superuser,
          username,
          database,
          ...(password ? { existingSecret: generatedSecretName, secretKeys: { userPasswordKey: password, ...(superuser ? { adminPasswordKey: password } : {}) } } : {}),
        },
        primary: persistence,
      };
    }
    case 'mysql': {
      const { username, database } = sqlAccount(resource);
      return password ? mysqlWithGeneratedPassword(resource.name, username, database, password, persistence) : { fullnameOverride: resource.name, auth: { username, database }, primary: persistence };
    }
    case 'redis':
      return {
        fullnameOverride: resource.name,
        architecture: 'standalone',
        auth: password ? { enabled: true, existingSecret: generatedSecretName, existingSecretPasswordKey: password } : { enabled: true },
        master: persistence,
      };
    case 'object-storage': {
      const user = generated['access-key-id'];
      const secret = generated['secret-access-key'];
      if ((user === undefined) !== (secret === undefined)) throw new BugError(`${embeddedCredentialsProblem(environment, resource)}; the kubernetes check should have reported it`);
      return {
        fullnameOverride: resource.name,
        mode: 'standalone',
        // The bucket the services are given (AWS_BUCKET); MinIO starts without any.
        defaultBuckets: resource.name,
        ...(user && secret ? { auth: { existingSecret: generatedSecretName, rootUserSecretKey: user, rootPasswordSecretKey: secret } } : {}),
        ...persistence,
      };
    }
  }
}

/**
 * Bitnami's MySQL chart reads an existing Secret only under fixed key names, so the generated
 * password reaches it as a file instead (`auth.customPasswordFiles`), mounted from generated-secrets.
 * The chart then creates no Secret of its own and reads the root password from a file too: the same
 * one, as no other generated secret exists for it.
 */
function mysqlWithGeneratedPassword(name: string, username: string, database: string, password: string, persistence: Record<string, unknown>): Record<string, unknown> {
  const mountPath = '/opt/bitnami/mysql/slipway-credentials';
  return {
    fullnameOverride: name,
    auth: { username, database, usePasswordFiles: true, customPasswordFiles: { root: `${mountPath}/password`, user: `${mountPath}/password` } },
    primary: {
      ...persistence,
      extraVolumes: [{ name: 'slipway-credentials', secret: { secretName: generatedSecretName, items: [{ key: password, path: 'password' }] } }],
      extraVolumeMounts: [{ name: 'slipway-credentials', mountPath, readOnly: true }],
    },
  };
}
