import { call, data, nested, ref, resource, type Block, type Body, type Value } from '../../src/core/hcl/index.js';
import type { ResolvedResource } from '../../src/model/index.js';
import { label, sqlAccount } from '../infrastructure-shared/naming.js';
import { gibibytes } from '../infrastructure-shared/sizing.js';
import { addOutput, addVariable } from '../infrastructure-shared/terraform.js';
import { awsName, ingress, nameTag, privateSubnetIds, securityGroup, type AwsContext } from './context.js';

const sqlEngines = {
  postgres: { engine: 'postgres', defaultVersion: '16', port: 5432, logs: ['postgresql', 'upgrade'], secret: 'DB_PASSWORD' },
  mysql: { engine: 'mysql', defaultVersion: '8.0', port: 3306, logs: ['error', 'slowquery'], secret: 'DB_PASSWORD' },
} as const;

/** Managed data stores: RDS for SQL, ElastiCache for Redis, S3 for object storage. */
export function stores(context: AwsContext): Block[] {
  const managed = context.environment.resources.filter((resource) => resource.managed);
  const blocks: Block[] = [];
  const sql = managed.filter((resource) => resource.type === 'postgres' || resource.type === 'mysql');
  const redis = managed.filter((resource) => resource.type === 'redis');
  if (sql.length > 0) blocks.push(resource('aws_db_subnet_group', 'main', { name: context.name, subnet_ids: privateSubnetIds(), tags: nameTag(context.name) }));
  for (const store of sql) blocks.push(...database(context, store));
  if (redis.length > 0) blocks.push(resource('aws_elasticache_subnet_group', 'main', { name: context.name, subnet_ids: privateSubnetIds() }));
  for (const store of redis) blocks.push(...cache(context, store));
  for (const store of managed.filter((resource) => resource.type === 'object-storage')) blocks.push(...bucket(context, store));
  return blocks;
}

function storeIngress(context: AwsContext, store: ResolvedResource, port: number, what: string): Block {
  const from = context.appSecurityGroup ? [context.appSecurityGroup] : [];
  return securityGroup(
    context,
    label(store.name),
    `${what} (${store.name}), reachable from the services only`,
    from.length > 0 ? [ingress(port, 'From the services', { security_groups: from })] : [],
    { description: 'Inside the VPC', from_port: 0, to_port: 0, protocol: '-1', cidr_blocks: [ref('var.vpc_cidr')] },
  );
}

function generatedSecretNote(context: AwsContext, name: string): string {
  return context.environment.secrets.generated.some((secret) => secret.name === name)
    ? ` (the services' ${name}, kept in secrets/secrets.sops.yaml: TF_VAR_… from sops -d)`
    : '';
}

function database(context: AwsContext, store: ResolvedResource): Block[] {
  const spec = sqlEngines[store.type as 'postgres' | 'mysql'];
  const id = label(store.name);
  const account = sqlAccount(store);
  const storage = Math.max(20, gibibytes(store.storage, 20));
  const retention = context.environment.infrastructure.backups ? Math.min(35, context.environment.infrastructure.backups.retentionDays) : 7;
  const passwordVariable = `${id}_password`;
  addVariable(context, passwordVariable, {
    description: `Master password of ${store.name}${generatedSecretNote(context, spec.secret)}`,
    type: ref('string'),
    sensitive: true,
  });
  context.backupResources.push(ref('aws_db_instance', id, 'arn'));
  addOutput(context, `${id}_endpoint`, ref('aws_db_instance', id, 'address'), `Host name of ${store.name}`);
  return [
    storeIngress(context, store, spec.port, spec.engine === 'postgres' ? 'PostgreSQL' : 'MySQL'),
    resource(
      'aws_db_instance',
      id,
      {
        identifier: awsName(context, [store.name], 63),
        engine: spec.engine,
        engine_version: store.version ?? spec.defaultVersion,
        instance_class: store.class ?? (context.production ? 'db.r6g.large' : 'db.t4g.medium'),
        allocated_storage: storage,
        max_allocated_storage: storage * 2,
        storage_type: 'gp3',
        storage_encrypted: true,
        kms_key_id: context.environment.infrastructure.privateStorage ? ref('aws_kms_key.storage.arn') : undefined,
        db_name: account.database,
        username: account.username,
        password: ref('var', passwordVariable),
        port: spec.port,
        multi_az: store.highAvailability,
        db_subnet_group_name: ref('aws_db_subnet_group.main.name'),
        vpc_security_group_ids: [ref('aws_security_group', id, 'id')],
        publicly_accessible: false,
        backup_retention_period: retention,
        copy_tags_to_snapshot: true,
        auto_minor_version_upgrade: true,
        apply_immediately: false,
        deletion_protection: context.production,
        skip_final_snapshot: !context.production,
        final_snapshot_identifier: context.production ? awsName(context, [store.name, 'final'], 255) : undefined,
        performance_insights_enabled: context.production,
        enabled_cloudwatch_logs_exports: context.environment.infrastructure.observability.logs === 'cloudwatch' ? [...spec.logs] : undefined,
        tags: nameTag(context.name, store.name),
      },
      [`${spec.engine === 'postgres' ? 'PostgreSQL' : 'MySQL'} ${store.version ?? spec.defaultVersion} for ${store.usedBy.join(', ')}${store.highAvailability ? ', Multi-AZ' : ''}.`],
    ),
  ];
}

/** ElastiCache offers Redis OSS up to 7.1; newer 7.x lines run on Valkey, its drop-in successor. */
function cacheEngine(version: string | undefined): { engine: string; version: string } {
  const asked = version ?? '7.1';
  const [major = 7, minor = 0] = asked.split('.').map(Number);
  if (major > 7 || (major === 7 && minor >= 2)) return { engine: 'valkey', version: major > 7 ? asked : '7.2' };
  return { engine: 'redis', version: asked };
}

function cache(context: AwsContext, store: ResolvedResource): Block[] {
  const id = label(store.name);
  const engine = cacheEngine(store.version);
  const tokenVariable = `${id}_auth_token`;
  addVariable(context, tokenVariable, {
    description: `AUTH token of ${store.name}${generatedSecretNote(context, 'REDIS_PASSWORD')}`,
    type: ref('string'),
    sensitive: true,
  });
  addOutput(context, `${id}_endpoint`, ref('aws_elasticache_replication_group', id, 'primary_endpoint_address'), `Primary endpoint of ${store.name}`);
  const snapshots = context.environment.infrastructure.backups ? Math.min(35, context.environment.infrastructure.backups.retentionDays) : context.production ? 7 : 0;
  return [
    storeIngress(context, store, 6379, 'Cache'),
    resource(
      'aws_elasticache_replication_group',
      id,
      {
        replication_group_id: awsName(context, [store.name], 40),
        description: `${store.name} of ${context.name}`,
        engine: engine.engine,
        engine_version: engine.version,
        node_type: store.class ?? (context.production ? 'cache.r6g.large' : 'cache.t4g.small'),
        num_cache_clusters: store.highAvailability ? 2 : 1,
        automatic_failover_enabled: store.highAvailability,
        multi_az_enabled: store.highAvailability,
        port: 6379,
        subnet_group_name: ref('aws_elasticache_subnet_group.main.name'),
        security_group_ids: [ref('aws_security_group', id, 'id')],
        at_rest_encryption_enabled: true,
        kms_key_id: context.environment.infrastructure.privateStorage ? ref('aws_kms_key.storage.arn') : undefined,
        transit_encryption_enabled: true,
        auth_token: ref('var', tokenVariable),
        snapshot_retention_limit: snapshots,
        apply_immediately: false,
        tags: nameTag(context.name, store.name),
      },
      [`${engine.engine === 'valkey' ? `Valkey ${engine.version}, the Redis-compatible engine ElastiCache runs this line on,` : `Redis ${engine.version}`} for ${store.usedBy.join(', ')}.`],
    ),
  ];
}

function bucket(context: AwsContext, store: ResolvedResource): Block[] {
  const id = label(store.name);
  const privateStorage = context.environment.infrastructure.privateStorage;
  const bucketRef = (attribute: string) => ref('aws_s3_bucket', id, attribute);
  const objects = call('format', '%s/*', bucketRef('arn'));
  const everyone = nested({ type: '*', identifiers: ['*'] });
  const statements: Body[] = [
    {
      sid: 'DenyInsecureTransport',
      effect: 'Deny',
      actions: ['s3:*'],
      resources: [bucketRef('arn'), objects],
      principals: everyone,
      condition: nested({ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }),
    },
  ];
  if (privateStorage) {
    statements.push({
      sid: 'DenyObjectAccessOutsideTheVpc',
      effect: 'Deny',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [objects],
      principals: everyone,
      condition: nested({ test: 'StringNotEquals', variable: 'aws:SourceVpce', values: [ref('aws_vpc_endpoint.s3.id')] }),
    });
  }
  context.backupResources.push(bucketRef('arn'));
  addOutput(context, `${id}_bucket`, bucketRef('bucket'), `S3 bucket of ${store.name}`);
  const encryption: Value = privateStorage
    ? { sse_algorithm: 'aws:kms', kms_master_key_id: ref('aws_kms_key.storage.arn') }
    : { sse_algorithm: 'AES256' };
  return [
    resource(
      'aws_s3_bucket',
      id,
      {
        // Bucket names are global: the account id keeps this one ours.
        bucket: call('format', '%s-%s', awsName(context, [store.name], 50), ref('data.aws_caller_identity.current.account_id')),
        force_destroy: false,
        tags: nameTag(context.name, store.name),
      },
      [privateStorage ? `${store.name}: private storage (KMS-encrypted, no public access, objects only through the VPC endpoint).` : `${store.name}: no public access; the application hands out signed URLs.`],
    ),
    resource('aws_s3_bucket_public_access_block', id, {
      bucket: bucketRef('id'),
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    }),
    resource('aws_s3_bucket_ownership_controls', id, { bucket: bucketRef('id'), rule: nested({ object_ownership: 'BucketOwnerEnforced' }) }),
    resource('aws_s3_bucket_versioning', id, { bucket: bucketRef('id'), versioning_configuration: nested({ status: 'Enabled' }) }),
    resource('aws_s3_bucket_server_side_encryption_configuration', id, {
      bucket: bucketRef('id'),
      rule: nested({ apply_server_side_encryption_by_default: nested(encryption as Body), bucket_key_enabled: privateStorage }),
    }),
    data('aws_iam_policy_document', `${id}_bucket`, { statement: nested(statements) }),
    resource('aws_s3_bucket_policy', id, {
      bucket: bucketRef('id'),
      policy: ref('data.aws_iam_policy_document', `${id}_bucket`, 'json'),
      depends_on: [ref('aws_s3_bucket_public_access_block', id)],
    }),
  ];
}

/** The customer-managed key of private storage (buckets, databases, caches, backups). */
export function storageKey(context: AwsContext): Block[] {
  if (!context.environment.infrastructure.privateStorage) return [];
  return [
    resource('aws_kms_key', 'storage', { description: `Private storage of ${context.name}`, enable_key_rotation: true, deletion_window_in_days: 30 }),
    resource('aws_kms_alias', 'storage', { name: `alias/${awsName(context, ['storage'], 200)}`, target_key_id: ref('aws_kms_key.storage.key_id') }),
  ];
}
