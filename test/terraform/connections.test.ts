import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { digitalOceanVersions } from '../../generators/terraform-digitalocean/index.js';
import { cloneModel } from '../support/clone.js';
import { callArgument, exampleModel, exampleModule, parsedModule, resourceOf, resourcesOf } from './support.js';

/**
 * The connection contract's infrastructure side (SPEC §8), read back through HashiCorp's parser:
 * what Terraform writes for each managed store, under the names the Kubernetes side reads, and
 * where each value of an ECS container comes from. Expected values are written out by hand.
 */

const ref = (text: string) => `\${${text}}`;

function managedStores(environment: ResolvedEnvironment) {
  return environment.resources.filter((store) => store.managed);
}

describe('AWS + Kubernetes (eu-prod, contoso-private): connection secrets in Secrets Manager', () => {
  const expectedValues: Record<string, Record<string, string>> = {
    cache: {
      host: ref('aws_elasticache_replication_group.cache.primary_endpoint_address'),
      port: ref('tostring(aws_elasticache_replication_group.cache.port)'),
      // The URL form: the auth token Terraform sets on the cache, percent-encoded (urlencode writes a space as +).
      url: ref('format("rediss://:%s@%s:%s", replace(urlencode(var.cache_auth_token), "+", "%20"), aws_elasticache_replication_group.cache.primary_endpoint_address, tostring(aws_elasticache_replication_group.cache.port))'),
    },
    database: {
      host: ref('aws_db_instance.database.address'),
      port: ref('tostring(aws_db_instance.database.port)'),
      url: ref('format("postgresql://%s:%s@%s:%s/%s?sslmode=require", "harbor", replace(urlencode(var.database_password), "+", "%20"), aws_db_instance.database.address, tostring(aws_db_instance.database.port), "harbor")'),
    },
    uploads: { bucket: ref('aws_s3_bucket.uploads.bucket') },
  };

  for (const name of ['eu-prod', 'contoso-private']) {
    it(`${name}: one secret per managed store, named as the model's delivery says, holding exactly its outputs`, async () => {
      const environment = exampleModel(name);
      const module = await exampleModule(name);
      const stores = managedStores(environment);
      expect(stores.map((store) => store.name)).toEqual(['cache', 'database', 'uploads']);
      for (const store of stores) {
        const delivery = store.connection.delivery;
        if (delivery.kind !== 'aws-secrets-manager') throw new Error(`${store.name}: ${delivery.kind}`);
        expect(delivery.secretName).toBe(`${name}/${store.name}/connection`);
        expect(resourceOf(module, 'aws_secretsmanager_secret', `connection_${store.name}`).name).toBe(delivery.secretName);
        const version = resourceOf(module, 'aws_secretsmanager_secret_version', `connection_${store.name}`);
        expect(version.secret_id).toBe(ref(`aws_secretsmanager_secret.connection_${store.name}.id`));
        const values = await callArgument(version.secret_string, 'jsonencode');
        expect(Object.keys(values).sort()).toEqual(store.connection.outputs);
        expect(values).toEqual(expectedValues[store.name]);
      }
      expect(Object.keys(resourcesOf(module, 'aws_secretsmanager_secret_version')).sort()).toEqual(['connection_cache', 'connection_database', 'connection_uploads']);
    });
  }

  it('the External Secrets controller reads exactly those secrets and the Secrets Manager infraSecrets, through EKS Pod Identity', async () => {
    const readable = {
      'eu-prod': [
        ref('aws_secretsmanager_secret.connection_cache.arn'),
        ref('aws_secretsmanager_secret.connection_database.arn'),
        ref('aws_secretsmanager_secret.connection_uploads.arn'),
        ref('data.aws_secretsmanager_secret.infra_mail_password.arn'),
        ref('data.aws_secretsmanager_secret.infra_pagerduty_routing_key.arn'),
      ],
      // Its infraSecrets live in Vault: nothing of them in AWS to read.
      'contoso-private': [ref('aws_secretsmanager_secret.connection_cache.arn'), ref('aws_secretsmanager_secret.connection_database.arn'), ref('aws_secretsmanager_secret.connection_uploads.arn')],
    };
    for (const [name, resources] of Object.entries(readable)) {
      const module = await exampleModule(name);
      const trust = module.data.aws_iam_policy_document.eks_pods_assume[0].statement[0];
      expect(trust).toEqual({ actions: ['sts:AssumeRole', 'sts:TagSession'], principals: [{ type: 'Service', identifiers: ['pods.eks.amazonaws.com'] }] });
      expect(resourceOf(module, 'aws_iam_role', 'external_secrets').assume_role_policy).toBe(ref('data.aws_iam_policy_document.eks_pods_assume.json'));
      expect(module.data.aws_iam_policy_document.external_secrets[0].statement).toEqual([{ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources }]);
      expect(resourceOf(module, 'aws_iam_role_policy', 'external_secrets')).toMatchObject({ role: ref('aws_iam_role.external_secrets.id'), policy: ref('data.aws_iam_policy_document.external_secrets.json') });
      expect(resourceOf(module, 'aws_eks_pod_identity_association', 'external_secrets')).toEqual({
        cluster_name: ref('aws_eks_cluster.main.name'),
        namespace: 'external-secrets',
        service_account: 'external-secrets',
        role_arn: ref('aws_iam_role.external_secrets.arn'),
      });
      // The agent that hands pods their role's credentials.
      expect(resourceOf(module, 'aws_eks_addon', 'main').for_each).toContain('"eks-pod-identity-agent"');
    }
  });

  it('each service using a bucket reaches exactly that bucket with its own Pod Identity role, on the service account of its name', async () => {
    for (const name of ['eu-prod', 'contoso-private']) {
      const environment = exampleModel(name);
      const module = await exampleModule(name);
      const uploads = environment.resources.find((store) => store.name === 'uploads')!;
      expect(uploads.connection.workloadIdentity).toBe(true);
      const users = environment.services.filter((service) => service.connections.some((variable) => variable.resource === 'uploads')).map((service) => service.name);
      const withThumbnailer = name === 'eu-prod';
      expect(users).toEqual(withThumbnailer ? ['api', 'thumbnailer', 'worker'] : ['api', 'worker']);
      expect(Object.keys(resourcesOf(module, 'aws_eks_pod_identity_association')).sort()).toEqual(['api_pod', 'external_secrets', ...(withThumbnailer ? ['thumbnailer_pod'] : []), 'worker_pod']);
      for (const service of users) {
        expect(resourceOf(module, 'aws_eks_pod_identity_association', `${service}_pod`)).toEqual({
          cluster_name: ref('aws_eks_cluster.main.name'),
          namespace: environment.infrastructure.namespace,
          service_account: service,
          role_arn: ref(`aws_iam_role.${service}_pod.arn`),
        });
        expect(environment.infrastructure.namespace).toBe(name);
        expect(resourceOf(module, 'aws_iam_role', `${service}_pod`).assume_role_policy).toBe(ref('data.aws_iam_policy_document.eks_pods_assume.json'));
        const statements = module.data.aws_iam_policy_document[`${service}_pod`][0].statement;
        expect(statements.slice(0, 2)).toEqual([
          { actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [ref('aws_s3_bucket.uploads.arn')] },
          { actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [ref('format("%s/*", aws_s3_bucket.uploads.arn)')] },
        ]);
        // Private storage encrypts the objects with the storage key: the role may use it, nothing more.
        expect(statements.slice(2)).toEqual(name === 'contoso-private' ? [{ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [ref('aws_kms_key.storage.arn')] }] : []);
      }
    }
  });

  it('RDS creates the database and account the services are told to use', async () => {
    for (const name of ['eu-prod', 'contoso-private', 'us-prod']) {
      const environment = exampleModel(name);
      const account = environment.resources.find((store) => store.name === 'database')!.connection.account;
      expect(account).toEqual({ database: 'harbor', username: 'harbor' });
      expect(resourceOf(await exampleModule(name), 'aws_db_instance', 'database')).toMatchObject({ db_name: 'harbor', username: 'harbor' });
    }
  });
});

describe('DigitalOcean + Kubernetes (lumen-wl, staging): connection Secrets written by Terraform', () => {
  const expectedData: Record<string, Record<string, string>> = {
    cache: {
      host: ref('digitalocean_database_cluster.cache.private_host'),
      password: ref('digitalocean_database_cluster.cache.password'),
      port: ref('tostring(digitalocean_database_cluster.cache.port)'),
      url: ref('format("rediss://:%s@%s:%s", replace(urlencode(digitalocean_database_cluster.cache.password), "+", "%20"), digitalocean_database_cluster.cache.private_host, tostring(digitalocean_database_cluster.cache.port))'),
    },
    database: {
      host: ref('digitalocean_database_cluster.database.private_host'),
      password: ref('digitalocean_database_user.database.password'),
      port: ref('tostring(digitalocean_database_cluster.database.port)'),
      url: ref('format("postgresql://%s:%s@%s:%s/%s?sslmode=require", "harbor", replace(urlencode(digitalocean_database_user.database.password), "+", "%20"), digitalocean_database_cluster.database.private_host, tostring(digitalocean_database_cluster.database.port), "harbor")'),
    },
    uploads: {
      'access-key-id': ref('digitalocean_spaces_key.uploads.access_key'),
      bucket: ref('digitalocean_spaces_bucket.uploads.name'),
      endpoint: ref('format("https://%s", digitalocean_spaces_bucket.uploads.endpoint)'),
      'secret-access-key': ref('digitalocean_spaces_key.uploads.secret_key'),
    },
  };

  for (const name of ['lumen-wl', 'staging']) {
    it(`${name}: one kubernetes_secret_v1 per managed store, named as the model's delivery says, holding exactly its outputs`, async () => {
      const environment = exampleModel(name);
      const module = await exampleModule(name);
      const stores = managedStores(environment);
      expect(stores.map((store) => store.name)).toEqual(['cache', 'database', 'uploads']);
      for (const store of stores) {
        const delivery = store.connection.delivery;
        if (delivery.kind !== 'terraform-kubernetes-secret') throw new Error(`${store.name}: ${delivery.kind}`);
        const secret = resourceOf(module, 'kubernetes_secret_v1', `connection_${store.name}`);
        expect(secret.metadata).toEqual([{ name: delivery.kubernetesSecret, namespace: ref('kubernetes_namespace_v1.main.metadata[0].name'), labels: { 'app.kubernetes.io/managed-by': 'terraform' } }]);
        expect(delivery.kubernetesSecret).toBe(`${store.name}-connection`);
        expect(secret.type).toBe('Opaque');
        expect(Object.keys(secret.data).sort()).toEqual(store.connection.outputs);
        expect(secret.data).toEqual(expectedData[store.name]);
      }
      // Beside them only infra-secrets (the `do:` infraSecrets; test/terraform/infra-secrets.test.ts).
      expect(Object.keys(resourcesOf(module, 'kubernetes_secret_v1')).sort()).toEqual(['connection_cache', 'connection_database', 'connection_uploads', 'infra_secrets']);
    });

    it(`${name}: the namespace exists before the Secrets, and its labels stay the reconciler's`, async () => {
      const environment = exampleModel(name);
      const module = await exampleModule(name);
      expect(resourceOf(module, 'kubernetes_namespace_v1', 'main')).toEqual({
        metadata: [{ name: environment.infrastructure.namespace }],
        lifecycle: [{ ignore_changes: [ref('metadata[0].labels'), ref('metadata[0].annotations')] }],
      });
    });

    it(`${name}: the Kubernetes provider is the cluster's own, pinned; the stores' accounts and keys exist`, async () => {
      const environment = exampleModel(name);
      const module = await exampleModule(name);
      expect(module.provider.kubernetes).toEqual([
        {
          host: ref('digitalocean_kubernetes_cluster.main.endpoint'),
          token: ref('digitalocean_kubernetes_cluster.main.kube_config[0].token'),
          cluster_ca_certificate: ref('base64decode(digitalocean_kubernetes_cluster.main.kube_config[0].cluster_ca_certificate)'),
        },
      ]);
      const versions = module.terraform.find((block: Record<string, unknown>) => block.required_providers).required_providers[0];
      expect(versions).toEqual({
        digitalocean: { source: 'digitalocean/digitalocean', version: digitalOceanVersions.provider },
        kubernetes: { source: 'hashicorp/kubernetes', version: '2.38.0' },
      });
      const account = environment.resources.find((store) => store.name === 'database')!.connection.account!;
      expect(resourceOf(module, 'digitalocean_database_db', 'database').name).toBe(account.database);
      expect(resourceOf(module, 'digitalocean_database_user', 'database').name).toBe(account.username);
      expect(resourceOf(module, 'digitalocean_spaces_key', 'uploads').grant).toEqual([{ bucket: ref('digitalocean_spaces_bucket.uploads.name'), permission: 'readwrite' }]);
    });
  }

  it('a DOKS target with only embedded stores (dev) gets no connection Secrets (its infra-secrets: test/terraform/infra-secrets.test.ts)', async () => {
    const module = await exampleModule('dev');
    expect(Object.keys(resourcesOf(module, 'kubernetes_secret_v1'))).toEqual(['infra_secrets']);
  });
});

describe('ECS (us-prod): the task definitions carry the connection contract', () => {
  async function container(module: Record<string, any>, service: string) {
    const [definition] = await callArgument(resourceOf(module, 'aws_ecs_task_definition', service).container_definitions, 'jsonencode');
    const environmentVariables = Object.fromEntries((definition.environment as Array<{ name: string; value: string }>).map((entry) => [entry.name, entry.value]));
    const secrets = Object.fromEntries(((definition.secrets ?? []) as Array<{ name: string; valueFrom: string }>).map((entry) => [entry.name, entry.valueFrom]));
    expect(Object.keys(environmentVariables)).toHaveLength(definition.environment.length);
    expect(Object.keys(secrets).filter((name) => name in environmentVariables)).toEqual([]);
    return { environment: environmentVariables, secrets };
  }

  it('api: literals and store attributes as environment, passwords by ARN, each variable once', async () => {
    const environment = exampleModel('us-prod');
    const api = environment.services.find((service) => service.name === 'api')!;
    const module = await exampleModule('us-prod');
    const { environment: variables, secrets } = await container(module, 'api');
    expect(variables).toMatchObject({
      // Set empty: the task role reaches the bucket.
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_BUCKET: ref('aws_s3_bucket.uploads.bucket'),
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_USE_PATH_STYLE_ENDPOINT: 'false',
      DB_HOST: ref('aws_db_instance.database.address'),
      DB_PORT: ref('tostring(aws_db_instance.database.port)'),
      REDIS_HOST: ref('aws_elasticache_replication_group.cache.primary_endpoint_address'),
      REDIS_PORT: ref('tostring(aws_elasticache_replication_group.cache.port)'),
    });
    expect(secrets).toEqual({
      APP_KEY: ref('aws_secretsmanager_secret.generated_app_key.arn'),
      // The URL forms carry a password: one JSON key of the store's connection secret.
      DATABASE_URL: ref('format("%s:url::", aws_secretsmanager_secret.connection_database.arn)'),
      DB_PASSWORD: ref('aws_secretsmanager_secret.generated_db_password.arn'),
      MAIL_PASSWORD: ref('data.aws_secretsmanager_secret.infra_mail_password.arn'),
      REDIS_PASSWORD: ref('aws_secretsmanager_secret.generated_redis_password.arn'),
      REDIS_URL: ref('format("%s:url::", aws_secretsmanager_secret.connection_cache.arn)'),
      REVERB_APP_SECRET: ref('aws_secretsmanager_secret.generated_reverb_app_secret.arn'),
    });
    // Secret ones by ARN, except the keys set empty, which hold nothing.
    for (const variable of api.connections) expect(variable.secret && variable.source.kind !== 'workload-identity' ? secrets : variables, variable.name).toHaveProperty([variable.name]);
    // The generated secrets it reads exist (filled from SOPS by the deploy), and the execution role may read them.
    expect(resourceOf(module, 'aws_secretsmanager_secret', 'generated_db_password').name).toBe('us-prod/DB_PASSWORD');
    const readable = module.data.aws_iam_policy_document.ecs_execution_secrets[0].statement[0].resources;
    for (const arn of [...Object.values(secrets).filter((arn) => !arn.includes(':url::')), ref('aws_secretsmanager_secret.connection_database.arn'), ref('aws_secretsmanager_secret.connection_cache.arn')]) expect(readable).toContain(arn);
    // ECS refers to the stores' addresses directly; only what carries a password goes through a connection secret, named as the delivery says.
    expect(Object.keys(resourcesOf(module, 'aws_secretsmanager_secret_version')).sort()).toEqual(['connection_cache', 'connection_database']);
    expect(resourceOf(module, 'aws_secretsmanager_secret', 'connection_database').name).toBe('us-prod/database/connection');
    // The bucket through the task role, exactly that bucket.
    expect(resourceOf(module, 'aws_ecs_task_definition', 'api').task_role_arn).toBe(ref('aws_iam_role.api_task.arn'));
    expect(module.data.aws_iam_policy_document.api_task[0].statement).toEqual([
      { actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [ref('aws_s3_bucket.uploads.arn')] },
      { actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [ref('format("%s/*", aws_s3_bucket.uploads.arn)')] },
    ]);
  });

  it('the migration task of api receives the same variables as api', async () => {
    const module = await exampleModule('us-prod');
    const [service] = await callArgument(resourceOf(module, 'aws_ecs_task_definition', 'api').container_definitions, 'jsonencode');
    const [migration] = await callArgument(resourceOf(module, 'aws_ecs_task_definition', 'api_migrate').container_definitions, 'jsonencode');
    expect(migration.environment).toEqual(service.environment);
    expect(migration.secrets).toEqual(service.secrets);
  });

  it('a store password no generated secret holds is read from the store’s connection secret by its JSON key', async () => {
    const environment = cloneModel(exampleModel('us-prod'));
    const database = environment.resources.find((store) => store.name === 'database')!;
    database.connection.outputs = ['host', 'password', 'port'];
    for (const service of environment.services) {
      for (const variable of service.connections) if (variable.name === 'DB_PASSWORD') variable.source = { kind: 'infrastructure', resource: 'database' };
    }
    const module = await parsedModule(environment);
    const { secrets } = await container(module, 'api');
    expect(secrets.DB_PASSWORD).toBe(ref('format("%s:password::", aws_secretsmanager_secret.connection_database.arn)'));
    expect(resourceOf(module, 'aws_secretsmanager_secret', 'connection_database').name).toBe('us-prod/database/connection');
    const values = await callArgument(resourceOf(module, 'aws_secretsmanager_secret_version', 'connection_database').secret_string, 'jsonencode');
    expect(values).toEqual({ host: ref('aws_db_instance.database.address'), password: ref('var.database_password'), port: ref('tostring(aws_db_instance.database.port)') });
    expect(module.data.aws_iam_policy_document.ecs_execution_secrets[0].statement[0].resources).toContain(ref('aws_secretsmanager_secret.connection_database.arn'));
  });
});
