import { compareText } from '../../src/core/diagnostics.js';
import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { infraSecretName } from '../helm-values/secret-names.js';
import { parseSecretsManagerArn, type SecretsManagerReference } from '../infrastructure-shared/secret-references.js';
import { prerequisiteMetadata, serviceAccount, type Manifest, type ManifestFile } from './common.js';

/**
 * External Secrets Operator objects: what lives outside the cluster reaches the namespace as Secrets
 * the pods read. On AWS, one SecretStore for the target's region (no auth block: the operator's
 * controller runs under its own EKS Pod Identity, which Terraform creates), an ExternalSecret
 * `<resource>-connection` per managed resource with a key per infrastructure output. For `vault:`
 * references, a SecretStore per KV mount of the environment's Vault. The services' `infraSecrets`
 * that are Secrets Manager ARNs or `vault:` references all land in the one `infra-secrets`, each
 * read through its own store (an ARN of another region through `aws-secrets-manager-<region>`).
 */
const awsSecretStoreName = 'aws-secrets-manager';
/** The store of `vault:` references, and the ServiceAccount it logs in to Vault as (Kubernetes auth). */
const vaultSecretStoreName = 'vault';
const vaultServiceAccountName = 'vault-auth';
const refreshInterval = '1h';

/** A KV reference `vault:<mount>/data/<path>#<property>` (KV v2) or `vault:<mount>/<path>#<property>` (KV v1). */
interface VaultReference {
  mount: string;
  version: 'v1' | 'v2';
  key: string;
  property: string | undefined;
}

function parseVaultReference(reference: string): VaultReference | undefined {
  const match = /^vault:([^/#]+)\/(?:(data)\/)?([^#]+?)(?:#(.+))?$/.exec(reference);
  if (!match) return undefined;
  const [, mount, data, key, property] = match;
  return { mount: mount!, version: data ? 'v2' : 'v1', key: key!, property };
}

/** The objects for k8s/, by file name; none on a target whose values reach it otherwise. */
export function externalSecretManifests(environment: ResolvedEnvironment): ManifestFile[] {
  const vaultStores = vaultStoresOf(vaultReferences(environment));
  return [...awsObjects(environment), ...vaultObjects(environment, vaultStores), ...infraSecretsObject(environment, vaultStores)].sort((a, b) => compareText(a.file, b.file));
}

function externalSecret(environment: ResolvedEnvironment, name: string, store: string, data: Manifest[]): ManifestFile {
  return {
    file: `externalsecret-${name}.yaml`,
    manifest: {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: prerequisiteMetadata(environment, name),
      spec: { refreshInterval, secretStoreRef: { kind: 'SecretStore', name: store }, target: { name, creationPolicy: 'Owner' }, data },
    },
  };
}

function secretStore(environment: ResolvedEnvironment, name: string, provider: Manifest): ManifestFile {
  return { file: `secretstore-${name}.yaml`, manifest: { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: prerequisiteMetadata(environment, name), spec: { provider } } };
}

/** The region of the target's own Secrets Manager store; the check has required it wherever one is needed. */
function storeRegion(environment: ResolvedEnvironment): string {
  const region = environment.infrastructure.region;
  if (region === undefined) throw new BugError(`${environment.name}: an AWS target without a region reached the kubernetes generator; its check should have reported it`);
  return region;
}

/** The Secrets Manager store that reads a secret of this region. */
function awsStoreFor(environment: ResolvedEnvironment, secretRegion: string): string {
  return secretRegion === storeRegion(environment) ? awsSecretStoreName : `${awsSecretStoreName}-${secretRegion}`;
}

/** The managed resources' connection ExternalSecrets, and a Secrets Manager store per region anything is read from. */
function awsObjects(environment: ResolvedEnvironment): ManifestFile[] {
  const objects: ManifestFile[] = [];
  for (const resource of environment.resources) {
    const { delivery, outputs } = resource.connection;
    if (delivery.kind !== 'aws-secrets-manager' || outputs.length === 0) continue;
    const data = [...outputs].sort(compareText).map((field) => ({ secretKey: field, remoteRef: { key: delivery.secretName, property: field } }));
    objects.push(externalSecret(environment, delivery.kubernetesSecret, awsSecretStoreName, data));
  }
  if (!needsAwsSecretStore(environment)) return objects;
  const regions = new Set([storeRegion(environment), ...infraSecretArns(environment).map(({ reference }) => reference.region)]);
  for (const region of regions) objects.push(secretStore(environment, awsStoreFor(environment, region), { aws: { service: 'SecretsManager', region } }));
  return objects;
}

/** Whether the target needs the SecretStore (and so its region). */
export function needsAwsSecretStore(environment: ResolvedEnvironment): boolean {
  if (environment.provider !== 'aws') return false;
  const connections = environment.resources.some((resource) => resource.connection.delivery.kind === 'aws-secrets-manager' && resource.connection.outputs.length > 0);
  return connections || infraSecretArns(environment).length > 0;
}

/** The infra secrets services read whose reference is a Secrets Manager ARN of an AWS target, by name (vault:, do: and env: ones are not carried here). */
function infraSecretArns(environment: ResolvedEnvironment): Array<{ name: string; reference: SecretsManagerReference }> {
  if (environment.provider !== 'aws') return [];
  return environment.secrets.infra
    .flatMap((secret) => {
      const reference = secret.reference === undefined ? undefined : parseSecretsManagerArn(secret.reference);
      return reference ? [{ name: secret.name, reference }] : [];
    })
    .sort((a, b) => compareText(a.name, b.name));
}

/** The infra secrets pods read whose reference is a Vault KV path, by name. */
export function vaultReferences(environment: ResolvedEnvironment): Array<{ name: string; reference: VaultReference }> {
  if (environment.runtime !== 'kubernetes') return [];
  return environment.secrets.infra
    .flatMap((secret) => {
      const reference = secret.reference === undefined ? undefined : parseVaultReference(secret.reference);
      return reference ? [{ name: secret.name, reference }] : [];
    })
    .sort((a, b) => compareText(a.name, b.name));
}

/** The Vault store each reference is read through: one per KV mount, `vault`, or `vault-<mount>-<version>` when the target reads from several. */
function vaultStoresOf(references: ReadonlyArray<{ name: string; reference: VaultReference }>): Map<string, { store: string; reference: VaultReference }> {
  const mountOf = (reference: VaultReference) => `${reference.mount}@${reference.version}`;
  const several = new Set(references.map(({ reference }) => mountOf(reference))).size > 1;
  const storeOf = (reference: VaultReference) => (several ? `${vaultSecretStoreName}-${reference.mount.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${reference.version}` : vaultSecretStoreName);
  return new Map(references.map(({ name, reference }) => [name, { store: storeOf(reference), reference }]));
}

/**
 * A SecretStore per KV mount of the environment's Vault, logging in with Kubernetes auth as the
 * namespace's ServiceAccount `vault-auth`, so Vault's role can be bound to exactly this namespace.
 */
function vaultObjects(environment: ResolvedEnvironment, vaultStores: ReadonlyMap<string, { store: string; reference: VaultReference }>): ManifestFile[] {
  if (vaultStores.size === 0) return [];
  const vault = environment.infrastructure.vault;
  if (!vault) throw new BugError(`${environment.name}: vault: references without a vault server reached the kubernetes generator; its check should have reported it`);
  const mounts = new Map([...vaultStores.values()].map(({ store, reference }) => [store, reference]));
  return [
    serviceAccount(environment, vaultServiceAccountName),
    ...[...mounts].map(([store, { mount, version }]) =>
      secretStore(environment, store, {
        vault: { server: vault.server, path: mount, version, auth: { kubernetes: { mountPath: vault.authPath, role: vault.role, serviceAccountRef: { name: vaultServiceAccountName } } } },
      }),
    ),
  ];
}

/**
 * `infra-secrets`: every ARN and `vault:` reference the services read, by name. Its default store is
 * the target's Secrets Manager when it reads any ARN, else the first reference's Vault store; an
 * entry read through another store names it.
 */
function infraSecretsObject(environment: ResolvedEnvironment, vaultStores: ReadonlyMap<string, { store: string; reference: VaultReference }>): ManifestFile[] {
  const arns = infraSecretArns(environment);
  const entries = [
    ...arns.map(({ name, reference }) => ({
      name,
      store: awsStoreFor(environment, reference.region),
      remoteRef: { key: reference.arn, ...(reference.property ? { property: reference.property } : {}), ...(reference.version ? { version: reference.version } : {}) },
    })),
    ...[...vaultStores].map(([name, { store, reference }]) => ({ name, store, remoteRef: { key: reference.key, ...(reference.property ? { property: reference.property } : {}) } })),
  ].sort((a, b) => compareText(a.name, b.name));
  if (entries.length === 0) return [];
  const defaultStore = arns.length > 0 ? awsSecretStoreName : entries[0]!.store;
  const data = entries.map(({ name, store, remoteRef }) => ({ secretKey: name, ...(store === defaultStore ? {} : { sourceRef: { storeRef: { kind: 'SecretStore', name: store } } }), remoteRef }));
  return [externalSecret(environment, infraSecretName, defaultStore, data)];
}
