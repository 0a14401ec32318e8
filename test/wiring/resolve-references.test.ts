import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../support/kubernetes-objects.js';
import { danglingComposeReferences, type ComposeOutput } from './compose-references.js';
import { missingConnections, unknownHosts } from './connection-coverage.js';
import { danglingEcsReferences } from './ecs-references.js';
import { danglingKubernetesReferences, type KubernetesOutput } from './resolve-references.js';
import { parseTerraform, terraformCatalogue, type TerraformCatalogue } from './terraform-catalogue.js';

/** The wiring checkers on small hand-made outputs: each must pass what resolves and name what dangles, or it proves nothing. */

const deployment = (env: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'prod' },
  spec: { template: { spec: { ...extra, containers: [{ name: 'api', image: 'api', env }] } } },
}) as K8sObject;
const secretKeyRef = (variable: string, name: string, key: string) => ({ name: variable, valueFrom: { secretKeyRef: { name, key } } });
const secret = (name: string, keys: string[], namespace = 'prod') => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: Object.fromEntries(keys.map((key) => [key, ''])) }) as K8sObject;
const kubernetes = (objects: K8sObject[], terraform?: TerraformCatalogue, infraReferences: string[] = []): KubernetesOutput => ({ environment: 'prod', objects, terraform, infraReferences });
const hcl = async (text: string) => terraformCatalogue(await parseTerraform([{ name: 'main.tf', text }]));

describe('the Kubernetes wiring checker', () => {
  it('passes a secretKeyRef to a rendered Secret that holds the key', () => {
    expect(danglingKubernetesReferences(kubernetes([deployment([secretKeyRef('APP_KEY', 'generated-secrets', 'APP_KEY')]), secret('generated-secrets', ['APP_KEY'])]))).toEqual([]);
  });

  it('names a missing key, a missing Secret, a Secret of another namespace, a ConfigMap, envFrom and a ServiceAccount', () => {
    const workload = deployment(
      [secretKeyRef('APP_KEY', 'generated-secrets', 'APP_KEY'), secretKeyRef('MAIL_PASSWORD', 'infra-secrets', 'MAIL_PASSWORD'), { name: 'X', valueFrom: { configMapKeyRef: { name: 'branding', key: 'X' } } }],
      { serviceAccountName: 'api' },
    );
    (workload.spec as any).template.spec.containers[0].envFrom = [{ secretRef: { name: 'extra' } }, { secretRef: { name: 'maybe', optional: true } }];
    expect(danglingKubernetesReferences(kubernetes([workload, secret('generated-secrets', ['DB_PASSWORD']), secret('infra-secrets', ['MAIL_PASSWORD'], 'other')]))).toEqual([
      'env/prod Deployment/api container api: APP_KEY → secret generated-secrets key APP_KEY: nothing creates it',
      'env/prod Deployment/api container api: MAIL_PASSWORD → secret infra-secrets key MAIL_PASSWORD: nothing creates it',
      'env/prod Deployment/api container api: X → configmap branding key X: nothing creates it',
      'env/prod Deployment/api container api: envFrom → secret extra: nothing creates it',
      'env/prod Deployment/api: serviceAccountName → serviceaccount api: nothing creates it',
    ]);
  });

  it('names a $(NAME) Kubernetes would not expand: undefined, or defined only after it; passes earlier env, envFrom keys and $$', () => {
    const workload = deployment([
      secretKeyRef('DB_PASSWORD', 'generated-secrets', 'DB_PASSWORD'),
      { name: 'DATABASE_URL', value: 'postgresql://app:$(DB_PASSWORD)@db:5432/app' },
      { name: 'FROM_ENVFROM', value: '$(APP_KEY) and $$(NOT_A_REFERENCE)' },
      { name: 'EARLY', value: 'redis://:$(REDIS_PASSWORD)@cache:6379' },
      { name: 'MISSING', value: '$(NOWHERE)' },
      secretKeyRef('REDIS_PASSWORD', 'generated-secrets', 'REDIS_PASSWORD'),
    ]);
    (workload.spec as any).template.spec.containers[0].envFrom = [{ secretRef: { name: 'app' } }];
    expect(danglingKubernetesReferences(kubernetes([workload, secret('generated-secrets', ['DB_PASSWORD', 'REDIS_PASSWORD']), secret('app', ['APP_KEY'])]))).toEqual([
      'env/prod Deployment/api container api: EARLY → $(REDIS_PASSWORD): no variable of that name is defined before it',
      'env/prod Deployment/api container api: MISSING → $(NOWHERE): no variable of that name is defined before it',
    ]);
  });

  it('checks init containers and CronJobs too, and takes the default ServiceAccount as given', () => {
    const cron = {
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'prod' },
      spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: 'default', initContainers: [{ name: 'wait', env: [secretKeyRef('A', 's', 'a')] }], containers: [{ name: 'run' }] } } } } },
    } as K8sObject;
    expect(danglingKubernetesReferences(kubernetes([cron]))).toEqual(['env/prod CronJob/tick init container wait: A → secret s key a: nothing creates it']);
  });

  const store = { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'aws', namespace: 'prod' } } as K8sObject;
  const externalSecret = (data: Array<{ secretKey: string; key: string; property?: string }>, storeName = 'aws') =>
    ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'database-connection', namespace: 'prod' },
    spec: {
      secretStoreRef: { kind: 'SecretStore', name: storeName },
      target: { name: 'database-connection' },
      data: data.map(({ secretKey, key, property }) => ({ secretKey, remoteRef: { key, ...(property ? { property } : {}) } })),
    },
  }) as K8sObject;
  const connectionTerraform = `
resource "aws_secretsmanager_secret" "connection_database" {
  name = "prod/database/connection"
}
resource "aws_secretsmanager_secret_version" "connection_database" {
  secret_id     = aws_secretsmanager_secret.connection_database.id
  secret_string = jsonencode({ host = aws_db_instance.database.address, port = tostring(aws_db_instance.database.port) })
}
`;

  it('follows an ExternalSecret to the Secrets Manager secret and JSON key this Terraform writes', async () => {
    const terraform = await hcl(connectionTerraform);
    const objects = [deployment([secretKeyRef('DB_HOST', 'database-connection', 'host')]), store, externalSecret([{ secretKey: 'host', key: 'prod/database/connection', property: 'host' }])];
    expect(danglingKubernetesReferences(kubernetes(objects, terraform))).toEqual([]);
  });

  it('names an ExternalSecret whose remote secret, property or store nothing creates', async () => {
    const terraform = await hcl(connectionTerraform);
    const objects = [
      deployment([secretKeyRef('DB_HOST', 'database-connection', 'host'), secretKeyRef('DB_USER', 'database-connection', 'username')]),
      externalSecret(
        [
          { secretKey: 'host', key: 'prod/database/connection', property: 'address' },
          { secretKey: 'port', key: 'prod/cache/connection', property: 'port' },
        ],
        'vault',
      ),
    ];
    expect(danglingKubernetesReferences(kubernetes(objects, terraform))).toEqual([
      'env/prod Deployment/api container api: DB_USER → secret database-connection key username: nothing creates it',
      'env/prod ExternalSecret/database-connection: host → remote prod/database/connection property address: aws_secretsmanager_secret.connection_database writes no such key',
      'env/prod ExternalSecret/database-connection: port → remote prod/cache/connection property port: nothing creates it',
      'env/prod ExternalSecret/database-connection: secretStoreRef → SecretStore/vault: nothing creates it',
    ]);
  });

  it('accepts a declared infraSecrets reference as the remote secret (an ARN, or vault path#property)', () => {
    const objects = [
      store,
      externalSecret([
        { secretKey: 'MAIL_PASSWORD', key: 'arn:aws:secretsmanager:eu-central-1:1:secret:mail-Q2' },
        { secretKey: 'SMTP', key: 'secret/data/smtp', property: 'password' },
      ]),
    ];
    expect(danglingKubernetesReferences(kubernetes(objects, undefined, ['arn:aws:secretsmanager:eu-central-1:1:secret:mail-Q2', 'vault:secret/data/smtp#password']))).toEqual([]);
    expect(danglingKubernetesReferences(kubernetes(objects, undefined, ['vault:secret/data/smtp#user']))).toEqual([
      'env/prod ExternalSecret/database-connection: MAIL_PASSWORD → remote arn:aws:secretsmanager:eu-central-1:1:secret:mail-Q2: nothing creates it',
      'env/prod ExternalSecret/database-connection: SMTP → remote secret/data/smtp property password: nothing creates it',
    ]);
  });

  it("takes a Secret of Terraform's Kubernetes provider with its data keys", async () => {
    const terraform = await hcl(`
resource "kubernetes_secret_v1" "connection_cache" {
  metadata {
    name      = "cache-connection"
    namespace = "prod"
  }
  data = {
    host = digitalocean_database_cluster.cache.private_host
    port = tostring(digitalocean_database_cluster.cache.port)
  }
}
`);
    const workload = deployment([secretKeyRef('REDIS_HOST', 'cache-connection', 'host'), secretKeyRef('REDIS_PASSWORD', 'cache-connection', 'password')]);
    expect(danglingKubernetesReferences(kubernetes([workload], terraform))).toEqual(['env/prod Deployment/api container api: REDIS_PASSWORD → secret cache-connection key password: nothing creates it']);
  });

  const postgres = (auth: Record<string, unknown>, version = '15.5.38') =>
    ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-database', namespace: 'argocd' },
    spec: {
      destination: { namespace: 'prod' },
      source: { chart: 'postgresql', repoURL: 'registry-1.docker.io/bitnamicharts', targetRevision: version, helm: { releaseName: 'database', valuesObject: { fullnameOverride: 'database', auth } } },
    },
  }) as K8sObject;

  it("knows what an embedded resource's chart creates, and checks what it reads from an existing Secret", () => {
    const own = postgres({ enablePostgresUser: false, username: 'harbor' });
    expect(danglingKubernetesReferences(kubernetes([deployment([secretKeyRef('DB_PASSWORD', 'database', 'password')]), own]))).toEqual([]);
    const existing = postgres({ enablePostgresUser: false, username: 'harbor', existingSecret: 'generated-secrets', secretKeys: { userPasswordKey: 'DB_PASSWORD' } });
    expect(danglingKubernetesReferences(kubernetes([existing, secret('generated-secrets', ['DB_PASSWORD'])]))).toEqual([]);
    expect(danglingKubernetesReferences(kubernetes([existing, deployment([secretKeyRef('DB_PASSWORD', 'database', 'password')])]))).toEqual([
      'env/prod Application/prod-database (chart postgresql 15.5.38): auth.existingSecret auth.secretKeys.userPasswordKey → secret generated-secrets key DB_PASSWORD: nothing creates it',
      'env/prod Deployment/api container api: DB_PASSWORD → secret database key password: nothing creates it',
    ]);
  });

  it('reads a Flux HelmRelease of a Bitnami chart the same way, through its HelmRepository', () => {
    const repository = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'bitnami', namespace: 'prod' }, spec: { type: 'oci', url: 'oci://registry-1.docker.io/bitnamicharts' } } as K8sObject;
    const redis = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'cache', namespace: 'prod' },
      spec: {
        releaseName: 'cache',
        chart: { spec: { chart: 'redis', version: '19.5.0', sourceRef: { kind: 'HelmRepository', name: 'bitnami' } } },
        values: { fullnameOverride: 'cache', architecture: 'standalone', auth: { enabled: true, existingSecret: 'generated-secrets', existingSecretPasswordKey: 'REDIS_PASSWORD' } },
      },
    } as K8sObject;
    expect(danglingKubernetesReferences(kubernetes([repository, redis, secret('generated-secrets', ['REDIS_PASSWORD'])]))).toEqual([]);
    expect(danglingKubernetesReferences(kubernetes([repository, redis]))).toEqual([
      'env/prod HelmRelease/cache (chart redis 19.5.0): auth.existingSecretPasswordKey → secret generated-secrets key REDIS_PASSWORD: nothing creates it',
    ]);
  });

  it('reports a chart version the table does not know instead of guessing', () => {
    expect(danglingKubernetesReferences(kubernetes([postgres({}, '99.0.0')]))).toEqual([
      'env/prod Application/prod-database (registry-1.docker.io/bitnamicharts postgresql 99.0.0): not in the table of what embedded charts create (test/wiring/embedded-charts.ts)',
    ]);
  });
});

describe('the ECS wiring checker', () => {
  const taskDefinition = (secrets: string, environment: string) => `
resource "aws_secretsmanager_secret" "generated_app_key" {
  name = "prod/APP_KEY"
}
resource "aws_secretsmanager_secret" "connection_database" {
  name = "prod/database/connection"
}
resource "aws_secretsmanager_secret_version" "connection_database" {
  secret_id     = aws_secretsmanager_secret.connection_database.id
  secret_string = jsonencode({ host = aws_db_instance.database.address })
}
data "aws_secretsmanager_secret" "infra_mail_password" {
  arn = "arn:aws:secretsmanager:us-east-1:1:secret:mail-Zt"
}
resource "aws_db_instance" "database" {
  engine = "postgres"
}
resource "aws_ecs_task_definition" "api" {
  family = "prod-api"
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "api"
      environment = [
        ${environment}
      ]
      secrets = [
        ${secrets}
      ]
    },
  ])
}
`;

  it('passes secrets Terraform creates or reads from a declared ARN, and references it declares', async () => {
    const terraform = await hcl(
      taskDefinition(
        `{ name = "APP_KEY", valueFrom = aws_secretsmanager_secret.generated_app_key.arn },
        { name = "MAIL_PASSWORD", valueFrom = data.aws_secretsmanager_secret.infra_mail_password.arn },
        { name = "DB_HOST", valueFrom = "\${aws_secretsmanager_secret.connection_database.arn}:host::" },`,
        `{ name = "DB_ADDRESS", value = aws_db_instance.database.address },`,
      ),
    );
    expect(danglingEcsReferences({ environment: 'prod', terraform, infraReferences: ['arn:aws:secretsmanager:us-east-1:1:secret:mail-Zt'] })).toEqual([]);
  });

  it('names a secret nobody creates, a JSON key nobody writes, an undeclared ARN and a dangling reference', async () => {
    const terraform = await hcl(
      taskDefinition(
        `{ name = "REDIS_PASSWORD", valueFrom = aws_secretsmanager_secret.generated_redis_password.arn },
        { name = "DB_PORT", valueFrom = "\${aws_secretsmanager_secret.connection_database.arn}:port::" },
        { name = "MAIL_PASSWORD", valueFrom = data.aws_secretsmanager_secret.infra_mail_password.arn },
        { name = "OTHER", valueFrom = "arn:aws:secretsmanager:us-east-1:1:secret:other-Ab" },`,
        `{ name = "REDIS_HOST", value = aws_elasticache_replication_group.cache.primary_endpoint_address },`,
      ),
    );
    expect(danglingEcsReferences({ environment: 'prod', terraform, infraReferences: [] })).toEqual([
      'env/prod aws_ecs_task_definition.api container api: DB_PORT → ${aws_secretsmanager_secret.connection_database.arn}:port::: aws_secretsmanager_secret.connection_database writes no key port',
      'env/prod aws_ecs_task_definition.api container api: MAIL_PASSWORD → ${data.aws_secretsmanager_secret.infra_mail_password.arn}: data.aws_secretsmanager_secret.infra_mail_password looks up arn:aws:secretsmanager:us-east-1:1:secret:mail-Zt, not a declared infraSecrets reference',
      'env/prod aws_ecs_task_definition.api container api: OTHER → arn:aws:secretsmanager:us-east-1:1:secret:other-Ab: not a declared infraSecrets reference',
      'env/prod aws_ecs_task_definition.api container api: REDIS_PASSWORD → ${aws_secretsmanager_secret.generated_redis_password.arn}: nothing creates it',
      'env/prod aws_ecs_task_definition.api container api: environment REDIS_HOST → aws_elasticache_replication_group.cache: nothing declares it',
    ]);
  });
});

describe('the Compose wiring checker', () => {
  const output = (compose: Record<string, any>, overrides: Partial<ComposeOutput> = {}): ComposeOutput => ({
    environment: 'onprem',
    compose,
    files: new Set(['docker-compose.yml', 'secrets.sops.env']),
    bundle: { envFiles: { api: [{ name: 'DB_PASSWORD', from: 'DB_PASSWORD' }] }, secrets: { sops: ['DB_PASSWORD'], infra: [], install: [] } },
    sopsKeys: new Set(['DB_PASSWORD']),
    infraNames: new Set(),
    interpolationValues: new Set(),
    ...overrides,
  });

  it('passes env files install.sh writes, secrets it has a source for, and interpolations with a value', () => {
    const compose = { services: { api: { env_file: ['env/api.env'], environment: { A: '${TAG:-latest}', B: 'cost $$5', C: '${HOME_DIR}' } } } };
    expect(danglingComposeReferences(output(compose, { interpolationValues: new Set(['HOME_DIR']) }))).toEqual([]);
  });

  it('names a missing env file, a secret without a source, and an interpolation without a value', () => {
    const compose = { services: { api: { env_file: ['env/api.env', './extra.env', { path: 'optional.env', required: false }], environment: { A: '${TAG}', B: '$USER' } } } };
    const bundle = { envFiles: { api: [{ name: 'MAIL_PASSWORD', from: 'MAIL_PASSWORD' }] }, secrets: { sops: ['APP_KEY'], infra: [{ name: 'MAIL', reference: null }], install: [] } };
    expect(danglingComposeReferences(output(compose, { bundle }))).toEqual([
      'env/onprem bundle.json secrets.infra MAIL: not a declared infraSecrets entry',
      'env/onprem bundle.json secrets.sops APP_KEY: secrets.sops.env holds no such key',
      'env/onprem compose service api: env_file extra.env: nothing creates it',
      'env/onprem docker-compose.yml.services.api.environment.A: ${TAG} has no value',
      'env/onprem docker-compose.yml.services.api.environment.B: $USER has no value',
      'env/onprem env/api.env: MAIL_PASSWORD ← MAIL_PASSWORD: nothing holds it',
    ]);
  });

  it('passes a URL form whose host is a Compose service, and names one whose host is not', () => {
    const compose = { services: { api: { env_file: ['env/api.env'] }, database: {} } };
    const entry = (after: string) => ({ name: 'DATABASE_URL', from: 'DB_PASSWORD', url: { before: 'postgresql://app:', after } });
    const bundle = (after: string) => ({ envFiles: { api: [entry(after)] }, secrets: { sops: ['DB_PASSWORD'], infra: [], install: [] } });
    expect(danglingComposeReferences(output(compose, { bundle: bundle('@database:5432/app') }))).toEqual([]);
    expect(danglingComposeReferences(output(compose, { bundle: bundle('@postgres:5432/app') }))).toEqual(['env/onprem env/api.env: DATABASE_URL → host postgres: no Compose service of that name']);
  });
});

describe('the connection coverage check', () => {
  const connections = [
    { name: 'DB_HOST', contractName: 'DB_HOST', resource: 'database', field: 'host', secret: false, source: { kind: 'embedded', resource: 'database' } },
    { name: 'DB_PASSWORD', contractName: 'DB_PASSWORD', resource: 'database', field: 'password', secret: true, source: { kind: 'generated-secret', secret: 'DB_PASSWORD' } },
  ] as const;
  const service = { name: 'api', connections: [...connections] };

  it('passes a service whose containers receive every variable, with hosts that exist', () => {
    const receivers = [{ label: 'compose service api', variables: new Set(['DB_HOST', 'DB_PASSWORD']), values: new Map([['DB_HOST', 'database']]) }];
    expect(missingConnections('onprem', service, receivers)).toEqual([]);
    expect(unknownHosts('onprem', service, receivers, new Set(['database']))).toEqual([]);
  });

  it('names a missing variable, a host nothing creates, and a service nothing runs', () => {
    const receivers = [{ label: 'Deployment/api container api', variables: new Set(['DB_HOST']), values: new Map([['DB_HOST', 'database.prod.svc.cluster.local']]) }];
    expect(missingConnections('prod', service, receivers)).toEqual(['env/prod service api (Deployment/api container api): DB_PASSWORD (database password) is missing']);
    expect(unknownHosts('prod', service, receivers, new Set(['database-primary']))).toEqual([
      'env/prod service api (Deployment/api container api): DB_HOST=database.prod.svc.cluster.local → host database: nothing creates it',
    ]);
    expect(missingConnections('prod', service, [])).toEqual(['env/prod service api: no workload runs it']);
  });
});
