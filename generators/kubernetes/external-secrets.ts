import { compareText } from '../../src/core/diagnostics.js';
import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { infraSecretName } from '../helm-values/secret-names.js';
import { slipwayLabels, type Manifest } from './common.js';

/**
 * External Secrets Operator objects of an AWS target: what Terraform writes into AWS Secrets Manager
 * reaches the namespace as Secrets the pods read. One SecretStore for the target's region (no auth
 * block: the operator's controller runs under its own EKS Pod Identity, which Terraform creates), an
 * ExternalSecret `<resource>-connection` per managed resource with a key per infrastructure output,
 * and `infra-secrets` for the services' `infraSecrets` that are Secrets Manager ARNs (an ARN of
 * another region is read through a store of that region, `aws-secrets-manager-<region>`).
 */
export const awsSecretStoreName = 'aws-secrets-manager';
/** The store of `vault:` references, and the ServiceAccount it logs in to Vault as (Kubernetes auth). */
export const vaultSecretStoreName = 'vault';
export const vaultServiceAccountName = 'vault-auth';
const refreshInterval = '1h';

/** A Secrets Manager reference: `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`, optionally with ECS's `:json-key:version-stage:version-id` or `#json-key`. */
export interface SecretsManagerReference {
  /** The secret's ARN without the suffixes. */
  arn: string;
  region: string;
  property: string | undefined;
  version: string | undefined;
}

export function parseSecretsManagerArn(reference: string): SecretsManagerReference | undefined {
  const match = /^(arn:aws:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:[^:#]+)(?::([^:#]*)(?::([^:#]*)(?::([^:#]*))?)?|#(.+))?$/.exec(reference);
  if (!match) return undefined;
  const [, arn, region, jsonKey, versionStage, versionId, hashKey] = match;
  const property = jsonKey || hashKey || undefined;
  // External Secrets reads `uuid/<id>` as a version id, anything else as a staging label.
  const version = versionId ? `uuid/${versionId}` : versionStage || undefined;
  return { arn: arn!, region: region!, property, version };
}

/** A KV reference `vault:<mount>/data/<path>#<property>` (KV v2) or `vault:<mount>/<path>#<property>` (KV v1). */
export interface VaultReference {
  mount: string;
  version: 'v1' | 'v2';
  key: string;
  property: string | undefined;
}

export function parseVaultReference(reference: string): VaultReference | undefined {
  const match = /^vault:([^/#]+)\/(?:(data)\/)?([^#]+?)(?:#(.+))?$/.exec(reference);
  if (!match) return undefined;
  const [, mount, data, key, property] = match;
  return { mount: mount!, version: data ? 'v2' : 'v1', key: key!, property };
}

/** The objects for k8s/, by file name; none on a target whose values reach it otherwise. */
export function externalSecretManifests(environment: ResolvedEnvironment): Array<{ file: string; manifest: Manifest }> {
  return [...awsManifests(environment), ...vaultManifests(environment)].sort((a, b) => compareText(a.file, b.file));
}

function awsManifests(environment: ResolvedEnvironment): Array<{ file: string; manifest: Manifest }> {
  if (environment.provider !== 'aws') return [];
  const namespace = environment.infrastructure.namespace;
  const labels = slipwayLabels(environment);
  const annotations = environment.reconciler === 'argocd' ? { annotations: { 'argocd.argoproj.io/sync-wave': '-1' } } : {};
  const externalSecret = (name: string, data: Manifest[]): Manifest => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name, namespace, labels, ...annotations },
    spec: {
      refreshInterval,
      secretStoreRef: { kind: 'SecretStore', name: awsSecretStoreName },
      target: { name, creationPolicy: 'Owner' },
      data,
    },
  });

  const objects: Array<{ file: string; manifest: Manifest }> = [];
  for (const resource of environment.resources) {
    const { delivery, outputs } = resource.connection;
    if (delivery.kind !== 'aws-secrets-manager' || outputs.length === 0) continue;
    const data = [...outputs].sort(compareText).map((field) => ({ secretKey: field, remoteRef: { key: delivery.secretName, property: field } }));
    objects.push({ file: `externalsecret-${delivery.kubernetesSecret}.yaml`, manifest: externalSecret(delivery.kubernetesSecret, data) });
  }

  if (!needsAwsSecretStore(environment)) return objects;
  const region = environment.infrastructure.region;
  if (region === undefined) throw new BugError(`${environment.name}: an AWS target without a region reached the kubernetes generator; its check should have reported it`);
  const infra = infraSecretArns(environment);
  const storeFor = (secretRegion: string) => (secretRegion === region ? awsSecretStoreName : `${awsSecretStoreName}-${secretRegion}`);
  if (infra.length > 0) {
    const data: Manifest[] = infra.map(({ name, reference }) => ({
      secretKey: name,
      ...(reference.region === region ? {} : { sourceRef: { storeRef: { kind: 'SecretStore', name: storeFor(reference.region) } } }),
      remoteRef: { key: reference.arn, ...(reference.property ? { property: reference.property } : {}), ...(reference.version ? { version: reference.version } : {}) },
    }));
    // Vault references of the same target join the one `infra-secrets`, each through the Vault store.
    data.push(...vaultData(environment, true));
    data.sort((a, b) => compareText(String(a.secretKey), String(b.secretKey)));
    objects.push({ file: `externalsecret-${infraSecretName}.yaml`, manifest: externalSecret(infraSecretName, data) });
  }
  const regions = [...new Set([region, ...infra.map(({ reference }) => reference.region)])];
  for (const storeRegion of regions) {
    const name = storeFor(storeRegion);
    objects.push({
      file: `secretstore-${name}.yaml`,
      manifest: {
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name, namespace, labels, ...annotations },
        spec: { provider: { aws: { service: 'SecretsManager', region: storeRegion } } },
      },
    });
  }
  return objects;
}

/** Whether the target needs the SecretStore (and so its region). */
export function needsAwsSecretStore(environment: ResolvedEnvironment): boolean {
  if (environment.provider !== 'aws') return false;
  const connections = environment.resources.some((resource) => resource.connection.delivery.kind === 'aws-secrets-manager' && resource.connection.outputs.length > 0);
  return connections || infraSecretArns(environment).length > 0;
}

/** The infra secrets services read whose reference is a Secrets Manager ARN, by name (vault:, do: and env: ones are not carried here). */
function infraSecretArns(environment: ResolvedEnvironment): Array<{ name: string; reference: SecretsManagerReference }> {
  return environment.secrets.infra
    .flatMap((secret) => {
      const reference = secret.reference === undefined ? undefined : parseSecretsManagerArn(secret.reference);
      return reference ? [{ name: secret.name, reference }] : [];
    })
    .sort((a, b) => compareText(a.name, b.name));
}

/**
 * `vault:` references: a SecretStore for the environment's Vault (Kubernetes auth as the namespace's
 * ServiceAccount `vault-auth`, so Vault's role can be bound to exactly this namespace), and the
 * `infra-secrets` entries that read through it. When the target also reads Secrets Manager ARNs, those
 * entries join the AWS-backed `infra-secrets` instead (see above).
 */
function vaultManifests(environment: ResolvedEnvironment): Array<{ file: string; manifest: Manifest }> {
  const references = vaultReferences(environment);
  if (references.length === 0) return [];
  const vault = environment.infrastructure.vault;
  if (!vault) throw new BugError(`${environment.name}: vault: references without a vault server reached the kubernetes generator; its check should have reported it`);
  const namespace = environment.infrastructure.namespace;
  const labels = slipwayLabels(environment);
  const annotations = environment.reconciler === 'argocd' ? { annotations: { 'argocd.argoproj.io/sync-wave': '-1' } } : {};
  const metadata = (name: string) => ({ name, namespace, labels, ...annotations });
  const mounts = [...new Set(references.map(({ reference }) => `${reference.mount}@${reference.version}`))].sort(compareText);
  const objects: Array<{ file: string; manifest: Manifest }> = [
    { file: `serviceaccount-${vaultServiceAccountName}.yaml`, manifest: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(vaultServiceAccountName), automountServiceAccountToken: false } },
    ...mounts.map((mountAndVersion) => {
      const [mount, version] = mountAndVersion.split('@') as [string, 'v1' | 'v2'];
      const name = vaultStoreName(environment, mount, version);
      return {
        file: `secretstore-${name}.yaml`,
        manifest: {
          apiVersion: 'external-secrets.io/v1',
          kind: 'SecretStore',
          metadata: metadata(name),
          spec: {
            provider: {
              vault: {
                server: vault.server,
                path: mount,
                version,
                auth: { kubernetes: { mountPath: vault.authPath, role: vault.role, serviceAccountRef: { name: vaultServiceAccountName } } },
              },
            },
          },
        },
      };
    }),
  ];
  if (!hasSecretsManagerInfraSecrets(environment)) {
    objects.push({
      file: `externalsecret-${infraSecretName}.yaml`,
      manifest: {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: metadata(infraSecretName),
        spec: {
          refreshInterval,
          secretStoreRef: { kind: 'SecretStore', name: vaultStoreName(environment, references[0]!.reference.mount, references[0]!.reference.version) },
          target: { name: infraSecretName, creationPolicy: 'Owner' },
          data: vaultData(environment, false),
        },
      },
    });
  }
  return objects;
}

/** One store per KV mount: `vault`, or `vault-<mount>` when the target reads from several. */
function vaultStoreName(environment: ResolvedEnvironment, mount: string, version: 'v1' | 'v2'): string {
  const mounts = new Set(vaultReferences(environment).map(({ reference }) => `${reference.mount}@${reference.version}`));
  return mounts.size <= 1 ? vaultSecretStoreName : `${vaultSecretStoreName}-${mount.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${version}`;
}

function vaultData(environment: ResolvedEnvironment, alwaysNameStore: boolean): Manifest[] {
  const references = vaultReferences(environment);
  const defaultStore = references[0] ? vaultStoreName(environment, references[0].reference.mount, references[0].reference.version) : '';
  return references.map(({ name, reference }) => {
    const store = vaultStoreName(environment, reference.mount, reference.version);
    return {
      secretKey: name,
      ...(alwaysNameStore || store !== defaultStore ? { sourceRef: { storeRef: { kind: 'SecretStore', name: store } } } : {}),
      remoteRef: { key: reference.key, ...(reference.property ? { property: reference.property } : {}) },
    };
  });
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

function hasSecretsManagerInfraSecrets(environment: ResolvedEnvironment): boolean {
  return environment.provider === 'aws' && infraSecretArns(environment).length > 0;
}
