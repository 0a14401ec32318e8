import { compareText } from '../../src/core/diagnostics.js';
import { call, data, nested, ref, resource, type Block, type Expression, type ObjectValue, type Value } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { mebibytes, milliCpu } from '../infrastructure-shared/sizing.js';
import { assumeRolePolicy, awsName, type AwsContext } from './context.js';
import { secretArn } from './secrets.js';

/** Fargate's CPU sizes (1024 units = 1 vCPU) and the memory (MiB) each allows. */
const fargate: Array<{ cpu: number; memory: number[] }> = [
  { cpu: 256, memory: [512, 1024, 2048] },
  { cpu: 512, memory: range(1024, 4096, 1024) },
  { cpu: 1024, memory: range(2048, 8192, 1024) },
  { cpu: 2048, memory: range(4096, 16384, 1024) },
  { cpu: 4096, memory: range(8192, 30720, 1024) },
  { cpu: 8192, memory: range(16384, 61440, 4096) },
  { cpu: 16384, memory: range(32768, 122880, 8192) },
];

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/** The smallest Fargate size that holds the service's requests. */
function fargateSize(service: ResolvedService): { cpu: number; memory: number } {
  const cpuUnits = Math.ceil((milliCpu(service.resources.cpu) * 1024) / 1000);
  const memory = mebibytes(service.resources.memory);
  for (const size of fargate) {
    if (size.cpu < cpuUnits) continue;
    const fits = size.memory.find((candidate) => candidate >= memory);
    if (fits !== undefined) return { cpu: size.cpu, memory: fits };
  }
  const largest = fargate[fargate.length - 1]!;
  return { cpu: largest.cpu, memory: largest.memory[largest.memory.length - 1]! };
}

export const logGroupLabel = (service: ResolvedService) => `ecs_${label(service.name)}`;

function containerDefinition(context: AwsContext, service: ResolvedService, command: readonly string[] | undefined, withPorts: boolean): ObjectValue {
  const environment = context.environment;
  const secrets = service.secretNames
    .map((name) => ({ name, valueFrom: secretArn(environment, name) }))
    .filter((secret): secret is { name: string; valueFrom: Expression } => secret.valueFrom !== undefined);
  const health = service.health;
  return {
    name: service.name,
    image: service.image ?? service.imageRepository,
    essential: true,
    command: command ? [...command] : undefined,
    portMappings: withPorts && service.ports.length > 0 ? service.ports.map((port) => ({ name: port.name, containerPort: port.port, protocol: 'tcp' })) : undefined,
    environment: Object.entries({ ...connectionEnv(environment, service), ...service.env })
      .sort(([a], [b]) => compareText(a, b))
      .map(([name, value]) => ({ name, value })),
    secrets: secrets.length > 0 ? secrets : undefined,
    healthCheck: withPorts && health && 'command' in health ? { command: ['CMD', ...health.command], interval: 30, timeout: 5, retries: 3, startPeriod: 60 } : undefined,
    linuxParameters: { initProcessEnabled: true },
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': ref('aws_cloudwatch_log_group', logGroupLabel(service), 'name'), 'awslogs-region': ref('var.region'), 'awslogs-stream-prefix': service.name },
    },
  };
}

/**
 * Where the managed stores a service uses are, in the variables the Compose generator uses for the
 * embedded ones (Laravel's); a variable the service sets itself wins.
 */
function connectionEnv(environment: ResolvedEnvironment, service: ResolvedService): Record<string, Value> {
  const env: Record<string, Value> = {};
  const used = environment.resources.filter((resource) => resource.managed && service.usesResources.includes(resource.name)).reverse();
  for (const store of used) {
    const id = label(store.name);
    if (store.type === 'postgres' || store.type === 'mysql') {
      Object.assign(env, { DB_HOST: ref('aws_db_instance', id, 'address'), DB_PORT: store.type === 'postgres' ? '5432' : '3306' });
    } else if (store.type === 'redis') {
      Object.assign(env, { REDIS_HOST: ref('aws_elasticache_replication_group', id, 'primary_endpoint_address'), REDIS_PORT: '6379', REDIS_SCHEME: 'tls' });
    } else {
      Object.assign(env, { AWS_BUCKET: ref('aws_s3_bucket', id, 'bucket'), AWS_DEFAULT_REGION: ref('var.region') });
    }
  }
  return env;
}

/** Task definitions: one per service, and a one-off migration task for services that migrate. */
export function taskDefinitions(context: AwsContext, service: ResolvedService): Block[] {
  const size = fargateSize(service);
  const usesBucket = bucketsOf(context.environment, service).length > 0;
  const definition = (family: string, command: readonly string[] | undefined, withPorts: boolean) => ({
    family: awsName(context, [family], 255),
    requires_compatibilities: ['FARGATE'],
    network_mode: 'awsvpc',
    cpu: String(size.cpu),
    memory: String(size.memory),
    execution_role_arn: ref('aws_iam_role.ecs_execution.arn'),
    task_role_arn: usesBucket ? ref('aws_iam_role', `${label(service.name)}_task`, 'arn') : undefined,
    container_definitions: call('jsonencode', [containerDefinition(context, service, command, withPorts)]),
  });
  const blocks: Block[] = [resource('aws_ecs_task_definition', label(service.name), definition(service.name, service.command, true))];
  if (service.migrations) {
    blocks.push(
      resource('aws_ecs_task_definition', `${label(service.name)}_migrate`, definition(`${service.name}-migrate`, service.migrations.command, false), [
        `One-off migration task of ${service.name}: the deploy runs it (aws ecs run-task) before the services roll.`,
      ]),
    );
  }
  if (usesBucket) blocks.push(...taskRole(context, service));
  return blocks;
}

function bucketsOf(environment: ResolvedEnvironment, service: ResolvedService): string[] {
  return environment.resources.filter((resource) => resource.managed && resource.type === 'object-storage' && service.usesResources.includes(resource.name)).map((resource) => resource.name);
}

/** The task role of a service that reads and writes buckets: only its own buckets. */
function taskRole(context: AwsContext, service: ResolvedService): Block[] {
  const id = `${label(service.name)}_task`;
  const buckets = bucketsOf(context.environment, service).map(label);
  const bucketArns: Value[] = buckets.map((bucket) => ref('aws_s3_bucket', bucket, 'arn'));
  const objectArns: Value[] = buckets.map((bucket) => call('format', '%s/*', ref('aws_s3_bucket', bucket, 'arn')));
  return [
    resource('aws_iam_role', id, { name: awsName(context, [service.name, 'task']), assume_role_policy: ref('data.aws_iam_policy_document.ecs_tasks_assume.json') }),
    data('aws_iam_policy_document', id, {
      statement: nested([
        { actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: bucketArns },
        { actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: objectArns },
      ]),
    }),
    resource('aws_iam_role_policy', id, { name: 'buckets', role: ref('aws_iam_role', id, 'id'), policy: ref('data.aws_iam_policy_document', id, 'json') }),
  ];
}

/** The execution role ECS pulls images, writes logs and reads the services' secrets with. */
export function executionRole(context: AwsContext): Block[] {
  const secretArns = [...new Set(context.environment.services.flatMap((service) => service.secretNames))]
    .sort()
    .map((name) => secretArn(context.environment, name))
    .filter((arn): arn is Expression => arn !== undefined);
  const blocks: Block[] = [
    data('aws_iam_policy_document', 'ecs_tasks_assume', assumeRolePolicy('ecs-tasks.amazonaws.com')),
    resource('aws_iam_role', 'ecs_execution', { name: awsName(context, ['ecs-execution']), assume_role_policy: ref('data.aws_iam_policy_document.ecs_tasks_assume.json') }),
    resource('aws_iam_role_policy_attachment', 'ecs_execution', {
      role: ref('aws_iam_role.ecs_execution.name'),
      policy_arn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    }),
  ];
  if (secretArns.length > 0) {
    blocks.push(
      data('aws_iam_policy_document', 'ecs_execution_secrets', { statement: nested({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }) }),
      resource('aws_iam_role_policy', 'ecs_execution_secrets', {
        name: 'secrets',
        role: ref('aws_iam_role.ecs_execution.id'),
        policy: ref('data.aws_iam_policy_document.ecs_execution_secrets.json'),
      }),
    );
  }
  return blocks;
}
