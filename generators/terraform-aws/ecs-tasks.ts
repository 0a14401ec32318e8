import { compareText } from '../../src/core/diagnostics.js';
import { BugError } from '../../src/core/errors.js';
import { call, data, nested, ref, resource, type Block, type Expression, type ObjectValue, type Value } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { mebibytes, milliCpu } from '../infrastructure-shared/sizing.js';
import { bucketAccess, connectionSecretArn, connectionSecretStores, connectionValue, hasConnectionSecret, workloadBuckets } from './connections.js';
import { assumeRolePolicy, awsName, type AwsContext } from './context.js';
import { secretArn, secretsReadByServices } from './secrets.js';
import { declaredTaskRole, extraContainerDefinitions, mainContainerOptions } from './ecs-options.js';

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

/** The smallest Fargate size that holds the service's requests and its sidecars' (init containers are done before they start). */
function fargateSize(service: ResolvedService): { cpu: number; memory: number } {
  const sidecars = service.options.sidecars.map((sidecar) => sidecar.resources);
  const cpuUnits = Math.ceil(([service.resources, ...sidecars].reduce((sum, resources, index) => sum + (index === 0 || resources.cpu ? milliCpu(resources.cpu) : 0), 0) * 1024) / 1000);
  const memory = [service.resources, ...sidecars].reduce((sum, resources, index) => sum + (index === 0 || resources.memory ? mebibytes(resources.memory) : 0), 0);
  for (const size of fargate) {
    if (size.cpu < cpuUnits) continue;
    const fits = size.memory.find((candidate) => candidate >= memory);
    if (fits !== undefined) return { cpu: size.cpu, memory: fits };
  }
  const largest = fargate[fargate.length - 1]!;
  return { cpu: largest.cpu, memory: largest.memory[largest.memory.length - 1]! };
}

export const logGroupLabel = (service: ResolvedService) => `ecs_${label(service.name)}`;

/** One entry of a container definition's `environment` or `secrets`. */
type ContainerVariable = { name: string; value: Value } | { name: string; valueFrom: Expression };

/**
 * What a container receives: its own `env`, and the connection contract's variables for the stores
 * it uses — literals and the stores' attributes as `environment`, passwords and keys as `secrets`
 * read by ARN (a generated secret's, or a JSON key of the store's connection secret). A declared
 * secret that is also a connection variable is delivered once, as the connection's.
 */
export function containerVariables(environment: ResolvedEnvironment, service: ResolvedService): { environment: ContainerVariable[]; secrets: ContainerVariable[] } {
  const plain: ContainerVariable[] = Object.entries(service.env).map(([name, value]) => ({ name, value }));
  const secrets: ContainerVariable[] = [];
  for (const variable of service.connections) {
    const store = environment.resources.find((candidate) => candidate.name === variable.resource);
    if (!store) throw new BugError(`${environment.name}: ${service.name} connects to ${variable.resource}, which the environment does not have`);
    const source = variable.source;
    if (source.kind === 'literal') plain.push({ name: variable.name, value: source.value });
    // Set, and empty: the SDK's default chain then takes the task role.
    else if (source.kind === 'workload-identity') plain.push({ name: variable.name, value: '' });
    else if (source.kind === 'generated-secret') {
      const arn = secretArn(environment, source.secret);
      if (!arn) throw new BugError(`${environment.name}: no Secrets Manager secret for the generated ${source.secret}`);
      secrets.push({ name: variable.name, valueFrom: arn });
    } else if (source.kind === 'infrastructure' && !variable.secret) plain.push({ name: variable.name, value: connectionValue(environment, store, variable.field) });
    else if (source.kind === 'infrastructure' && hasConnectionSecret(environment, store)) {
      // ECS reads one JSON key of a secret as `<arn>:<key>::` (the current version).
      secrets.push({ name: variable.name, valueFrom: call('format', `%s:${variable.field}::`, connectionSecretArn(store)) });
    } else throw new BugError(`${environment.name}: ${variable.name} of ${service.name} has no source ECS can read (${source.kind})`);
  }
  const delivered = new Set(service.connections.map((variable) => variable.name));
  for (const name of service.secretNames) {
    const arn = delivered.has(name) ? undefined : secretArn(environment, name);
    if (arn) secrets.push({ name, valueFrom: arn });
  }
  const byName = (a: ContainerVariable, b: ContainerVariable) => compareText(a.name, b.name);
  return { environment: plain.sort(byName), secrets: secrets.sort(byName) };
}

function logConfiguration(service: ResolvedService, prefix: string): ObjectValue {
  return {
    logDriver: 'awslogs',
    options: { 'awslogs-group': ref('aws_cloudwatch_log_group', logGroupLabel(service), 'name'), 'awslogs-region': ref('var.region'), 'awslogs-stream-prefix': prefix },
  };
}

/** The service's container, and in its own task (not a migration's) the init containers and sidecars its options declare. */
function containerDefinitions(context: AwsContext, service: ResolvedService, command: readonly string[] | undefined, withPorts: boolean): ObjectValue[] {
  const main = containerDefinition(context, service, command, withPorts);
  if (!withPorts) return [main];
  return [{ ...main, ...mainContainerOptions(service) }, ...extraContainerDefinitions(service, (prefix) => logConfiguration(service, prefix))];
}

function containerDefinition(context: AwsContext, service: ResolvedService, command: readonly string[] | undefined, withPorts: boolean): ObjectValue {
  const variables = containerVariables(context.environment, service);
  const health = service.health;
  return {
    name: service.name,
    image: service.image ?? service.imageRepository,
    essential: true,
    command: command ? [...command] : undefined,
    portMappings: withPorts && service.ports.length > 0 ? service.ports.map((port) => ({ name: port.name, containerPort: port.port, protocol: 'tcp' })) : undefined,
    environment: variables.environment,
    secrets: variables.secrets.length > 0 ? variables.secrets : undefined,
    healthCheck: withPorts && health && 'command' in health ? { command: ['CMD', ...health.command], interval: 30, timeout: 5, retries: 3, startPeriod: 60 } : undefined,
    linuxParameters: { initProcessEnabled: true },
    logConfiguration: logConfiguration(service, service.name),
  };
}

/** Task definitions: one per service, and a one-off migration task for services that migrate. */
export function taskDefinitions(context: AwsContext, service: ResolvedService): Block[] {
  const size = fargateSize(service);
  const usesBucket = workloadBuckets(context.environment, service).length > 0;
  const definition = (family: string, command: readonly string[] | undefined, withPorts: boolean) => ({
    family: awsName(context, [family], 255),
    requires_compatibilities: ['FARGATE'],
    network_mode: 'awsvpc',
    cpu: String(size.cpu),
    memory: String(size.memory),
    execution_role_arn: ref('aws_iam_role.ecs_execution.arn'),
    // Slipway's own role where the service reaches buckets (a declared one is then reported, not used); else the IRSA role its ServiceAccount names.
    task_role_arn: usesBucket ? ref('aws_iam_role', `${label(service.name)}_task`, 'arn') : declaredTaskRole(service),
    container_definitions: call('jsonencode', containerDefinitions(context, service, command, withPorts)),
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

/** The task role of a service that reads and writes buckets (their workload identity): only its own buckets. */
function taskRole(context: AwsContext, service: ResolvedService): Block[] {
  const id = `${label(service.name)}_task`;
  return [
    resource('aws_iam_role', id, { name: awsName(context, [service.name, 'task']), assume_role_policy: ref('data.aws_iam_policy_document.ecs_tasks_assume.json') }),
    data('aws_iam_policy_document', id, bucketAccess(context.environment, workloadBuckets(context.environment, service))),
    resource('aws_iam_role_policy', id, { name: 'buckets', role: ref('aws_iam_role', id, 'id'), policy: ref('data.aws_iam_policy_document', id, 'json') }),
  ];
}

/** The execution role ECS pulls images, writes logs and reads the services' secrets with. */
export function executionRole(context: AwsContext): Block[] {
  const environment = context.environment;
  const secretArns: Expression[] = [
    ...secretsReadByServices(environment)
      .map((name) => secretArn(environment, name))
      .filter((arn): arn is Expression => arn !== undefined),
    ...connectionSecretStores(environment).map(connectionSecretArn),
  ];
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
