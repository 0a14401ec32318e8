import { BugError } from '../../src/core/errors.js';
import { encodeUrlText } from '../../src/core/url.js';
import { call, data, nested, ref, resource, type Block, type Body, type Expression, type ObjectValue, type Value } from '../../src/core/hcl/index.js';
import type { ConnectionField, ResolvedEnvironment, ResolvedResource, ResolvedService } from '../../src/model/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { urlEncoded } from '../infrastructure-shared/terraform.js';
import { awsName, type AwsContext } from './context.js';
import { awsInfraSecrets } from './secrets.js';

/**
 * How the services reach the managed stores (SPEC §8, the connection contract). On EKS Terraform
 * writes each store's outputs into one Secrets Manager secret, which the External Secrets
 * controller (reading it through EKS Pod Identity) turns into the Kubernetes Secret the chart
 * mounts; buckets are reached with the service's own Pod Identity role instead of keys. On ECS the
 * task definitions refer to the stores' attributes directly (ecs-tasks.ts).
 */

/** The store's attribute that answers one field of the contract, as a string. */
export function connectionValue(environment: ResolvedEnvironment, store: ResolvedResource, field: ConnectionField): Expression {
  const id = label(store.name);
  const sql = store.type === 'postgres' || store.type === 'mysql';
  const owner = sql ? ref('aws_db_instance', id) : store.type === 'redis' ? ref('aws_elasticache_replication_group', id) : ref('aws_s3_bucket', id);
  switch (field) {
    case 'url': {
      // The master password Terraform sets on the store (the generated one, as a variable), percent-encoded; PostgreSQL over TLS only.
      const account = store.connection.account;
      if (sql && account) {
        const scheme = store.type === 'postgres' ? 'postgresql' : 'mysql';
        const query = store.type === 'postgres' ? '?sslmode=require' : '';
        return call('format', `${scheme}://%s:%s@%s:%s/%s${query}`, encodeUrlText(account.username), urlEncoded(connectionValue(environment, store, 'password')), owner.get('address'), call('tostring', owner.get('port')), encodeUrlText(account.database));
      }
      if (store.type === 'redis') return call('format', 'rediss://:%s@%s:%s', urlEncoded(connectionValue(environment, store, 'password')), owner.get('primary_endpoint_address'), call('tostring', owner.get('port')));
      break;
    }
    case 'host':
      if (sql) return owner.get('address');
      if (store.type === 'redis') return owner.get('primary_endpoint_address');
      break;
    case 'port':
      if (sql || store.type === 'redis') return call('tostring', owner.get('port'));
      break;
    case 'password':
      // Only when no generated secret holds it: then the Terraform variable is the one source.
      if (sql) return ref('var', `${id}_password`);
      if (store.type === 'redis') return ref('var', `${id}_auth_token`);
      break;
    case 'bucket':
      if (store.type === 'object-storage') return owner.get('bucket');
      break;
    case 'region':
      return ref('var.region');
    default:
      break;
  }
  throw new BugError(`${environment.name}: AWS has no ${field} for ${store.type} resource ${store.name}`);
}

/** Whether Terraform writes the store's outputs into a secret of its own. */
export function hasConnectionSecret(environment: ResolvedEnvironment, store: ResolvedResource): boolean {
  const delivery = store.connection.delivery.kind;
  if (delivery === 'aws-secrets-manager') return store.connection.outputs.length > 0;
  // ECS reads secret values only from a secret store: one of the outputs that is secret needs one.
  return delivery === 'terraform-reference' && environment.services.some((service) => service.connections.some((variable) => variable.resource === store.name && variable.secret && variable.source.kind === 'infrastructure'));
}

/** The managed stores whose outputs Terraform writes into a secret of their own. */
export function connectionSecretStores(environment: ResolvedEnvironment): ResolvedResource[] {
  return environment.resources.filter((store) => hasConnectionSecret(environment, store));
}

/** The Secrets Manager name of a store's connection secret, as its delivery names it. */
function connectionSecretName(environment: ResolvedEnvironment, store: ResolvedResource): string {
  const delivery = store.connection.delivery;
  if (delivery.kind === 'aws-secrets-manager' || delivery.kind === 'terraform-reference') return delivery.secretName;
  throw new BugError(`${environment.name}: ${store.name} is not delivered through AWS Secrets Manager`);
}

/** `aws_secretsmanager_secret.connection_<store>`: the ARN a container or the External Secrets controller reads. */
export function connectionSecretArn(store: ResolvedResource): Expression {
  return ref('aws_secretsmanager_secret', `connection_${label(store.name)}`, 'arn');
}

/**
 * One secret per store, holding exactly its `connection.outputs` as a JSON object of strings
 * (field → value): Terraform's own view of the store (addresses, ports, a bucket name) and the URL
 * form, which carries the master password Terraform already sets on the store (and so already
 * keeps in its state); a generated secret itself is never written here.
 */
export function connectionSecrets(context: AwsContext): Block[] {
  const environment = context.environment;
  const blocks: Block[] = [];
  const stores = connectionSecretStores(environment);
  for (const store of stores) {
    const id = `connection_${label(store.name)}`;
    const values: ObjectValue = Object.fromEntries(store.connection.outputs.map((field) => [field, connectionValue(environment, store, field)]));
    blocks.push(
      resource(
        'aws_secretsmanager_secret',
        id,
        {
          name: connectionSecretName(environment, store),
          description: `How the services of ${context.name} reach ${store.name} (${store.connection.outputs.join(', ')}), written by Terraform`,
          recovery_window_in_days: context.production ? 30 : 7,
        },
        store === stores[0] ? ["The stores' connection details, one secret each, as the services' connection contract names the fields."] : undefined,
      ),
      resource('aws_secretsmanager_secret_version', id, { secret_id: ref('aws_secretsmanager_secret', id, 'id'), secret_string: call('jsonencode', values) }),
    );
  }
  return blocks;
}

/** The trust policy of a role that pods assume through EKS Pod Identity. */
function podIdentityTrust(): Block {
  return data('aws_iam_policy_document', 'eks_pods_assume', {
    statement: nested({ actions: ['sts:AssumeRole', 'sts:TagSession'], principals: nested({ type: 'Service', identifiers: ['pods.eks.amazonaws.com'] }) }),
  });
}

/**
 * Read and write access to exactly these buckets and their objects; with private storage also the
 * use of the storage key that encrypts the objects (SSE-KMS), without which neither works.
 */
export function bucketAccess(environment: ResolvedEnvironment, buckets: readonly ResolvedResource[]): Body {
  const arns: Value[] = buckets.map((bucket) => ref('aws_s3_bucket', label(bucket.name), 'arn'));
  const objects: Value[] = buckets.map((bucket) => call('format', '%s/*', ref('aws_s3_bucket', label(bucket.name), 'arn')));
  const statements: Body[] = [
    { actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: arns },
    { actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: objects },
  ];
  if (environment.infrastructure.privateStorage) statements.push({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [ref('aws_kms_key.storage.arn')] });
  return { statement: nested(statements) };
}

/** The buckets a service reaches with its own cloud identity (an ECS task role, a Pod Identity role). */
export function workloadBuckets(environment: ResolvedEnvironment, service: ResolvedService): ResolvedResource[] {
  return environment.resources.filter((store) => store.connection.workloadIdentity && store.usedBy.includes(service.name));
}

/** A role for pods of one service account, bound to it by an EKS Pod Identity association. */
function podRole(context: AwsContext, id: string, roleName: string, policyName: string, policy: Body, binding: { namespace: string; serviceAccount: string }, comment: string[]): Block[] {
  return [
    resource('aws_iam_role', id, { name: awsName(context, [roleName]), assume_role_policy: ref('data.aws_iam_policy_document.eks_pods_assume.json') }, comment),
    data('aws_iam_policy_document', id, policy),
    resource('aws_iam_role_policy', id, { name: policyName, role: ref('aws_iam_role', id, 'id'), policy: ref('data.aws_iam_policy_document', id, 'json') }),
    resource('aws_eks_pod_identity_association', id, {
      cluster_name: ref('aws_eks_cluster.main.name'),
      namespace: binding.namespace,
      service_account: binding.serviceAccount,
      role_arn: ref('aws_iam_role', id, 'arn'),
    }),
  ];
}

/** The External Secrets controller's own namespace and service account (its chart's defaults). */
const externalSecretsController = { namespace: 'external-secrets', serviceAccount: 'external-secrets' } as const;

/**
 * EKS only: the External Secrets controller reads the connection secrets and the infrastructure's
 * Secrets Manager references; each service using a bucket reaches it with a role of its own, bound
 * to the service account the chart runs its pods under (the service's name). The Pod Identity
 * agent runs as an EKS add-on (eks.tf).
 */
export function podIdentities(context: AwsContext): Block[] {
  const environment = context.environment;
  if (environment.infrastructure.compute.platform !== 'eks') return [];
  const blocks: Block[] = [];
  const readable: Expression[] = [
    ...connectionSecretStores(environment).map(connectionSecretArn),
    ...awsInfraSecrets(environment).map((secret) => ref('data.aws_secretsmanager_secret', `infra_${label(secret.name)}`, 'arn')),
  ];
  if (readable.length > 0) {
    blocks.push(
      ...podRole(
        context,
        'external_secrets',
        'external-secrets',
        'secrets',
        { statement: nested({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: readable }) },
        externalSecretsController,
        ['The External Secrets controller: reads these secrets of the environment and nothing else.'],
      ),
    );
  }
  for (const service of environment.services) {
    const buckets = workloadBuckets(environment, service);
    if (buckets.length === 0) continue;
    blocks.push(
      ...podRole(
        context,
        `${label(service.name)}_pod`,
        `${service.name}-pod`,
        'buckets',
        bucketAccess(environment, buckets),
        { namespace: environment.infrastructure.namespace, serviceAccount: service.name },
        [`Pods of ${service.name} (service account ${service.name}): ${buckets.map((bucket) => bucket.name).join(', ')} with their own identity, no keys.`],
      ),
    );
  }
  return blocks.length > 0 ? [podIdentityTrust(), ...blocks] : [];
}
