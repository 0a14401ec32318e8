import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { readyModels } from '../support/example.js';
import { makeTree, removeTree } from '../support/tree.js';
import { callArgument, parsedModule, providerListFor, resourceOf, terraformTrees, unknownArguments } from '../terraform/support.js';
import { optionsTreeEdits, pinned } from './tree.js';

/** The service options ECS task definitions can carry, parsed back by HashiCorp's HCL parser from a fresh tree's ECS target (ecsprod). */
let root: string;
let model: ResolvedEnvironment;
let module: Record<string, any>;
beforeAll(async () => {
  root = makeTree(optionsTreeEdits());
  model = readyModels('ecs', root).get('ecsprod')!;
  module = await parsedModule(model);
});
afterAll(() => root && removeTree(root));

const containers = async (task: string): Promise<Array<Record<string, any>>> => callArgument(resourceOf(module, 'aws_ecs_task_definition', task).container_definitions, 'jsonencode');

describe('service options on ECS', () => {
  it('puts the init container and the sidecar in the worker’s task, not essential; the worker waits for one to succeed and the other to start', async () => {
    const [worker, init, sidecar, ...rest] = await containers('worker');
    expect(rest).toEqual([]);
    expect(worker).toMatchObject({ name: 'worker', essential: true, dependsOn: [{ containerName: 'fetch-models', condition: 'SUCCESS' }, { containerName: 'log-shipper', condition: 'START' }] });
    expect(init).toMatchObject({ name: 'fetch-models', image: pinned('a'), essential: false, command: ['fetch', '--into=/models'], cpu: 103, memoryReservation: 128 });
    expect(init!.environment).toEqual([{ name: 'SOURCE', value: 's3://models/$(latest)' }]);
    expect(sidecar).toMatchObject({ name: 'log-shipper', image: pinned('b'), essential: false, logConfiguration: { options: { 'awslogs-stream-prefix': 'worker-log-shipper' } } });
  });

  it('carries labels as Docker labels, the user and the read-only root to every container', async () => {
    for (const container of await containers('worker')) {
      expect(container, container.name).toMatchObject({ user: '1000:1000', readonlyRootFilesystem: true });
    }
    expect((await containers('worker'))[0]!.dockerLabels).toEqual({ team: 'ml' });
  });

  it('runs the task under the IRSA role the ServiceAccount names', () => {
    expect(resourceOf(module, 'aws_ecs_task_definition', 'worker').task_role_arn).toBe('arn:aws:iam::123456789012:role/worker-ecs');
    expect(resourceOf(module, 'aws_ecs_task_definition', 'api').task_role_arn).toBeUndefined();
  });

  it('sizes the Fargate task for the worker and its sidecar', () => {
    // 500m + 50m of CPU → 1024 units; 1Gi + 64Mi → 2048 MiB, the smallest memory that size allows.
    expect(resourceOf(module, 'aws_ecs_task_definition', 'worker')).toMatchObject({ cpu: '1024', memory: '2048' });
  });

  it('starts the scheduled worker from an EventBridge rule on its schedule, as one Fargate task, with no ECS service', () => {
    expect(resourceOf(module, 'aws_cloudwatch_event_rule', 'reports_schedule')).toMatchObject({ schedule_expression: 'cron(30 2 * * ? *)' });
    const target = resourceOf(module, 'aws_cloudwatch_event_target', 'reports_schedule');
    expect(target).toMatchObject({ arn: '${aws_ecs_cluster.main.arn}', role_arn: '${aws_iam_role.ecs_events.arn}', rule: '${aws_cloudwatch_event_rule.reports_schedule.name}' });
    expect(target.ecs_target[0]).toMatchObject({ task_definition_arn: '${aws_ecs_task_definition.reports.arn}', launch_type: 'FARGATE', task_count: 1 });
    expect(target.ecs_target[0].network_configuration[0].assign_public_ip).toBe(false);
    expect(module.resource.aws_ecs_service.reports).toBeUndefined();
    expect(module.resource.aws_ecs_service.worker).toBeDefined();
    // EventBridge may run these tasks and hand over exactly their roles.
    const policy = module.data.aws_iam_policy_document.ecs_events[0].statement;
    expect(policy[0]).toMatchObject({ actions: ['ecs:RunTask'], resources: ['${format("%s:*", aws_ecs_task_definition.reports.arn_without_revision)}'] });
    expect(policy[1]).toMatchObject({ actions: ['iam:PassRole'], resources: ['${aws_iam_role.ecs_execution.arn}'] });
  });

  it('uses only resource types and arguments the pinned AWS provider has', () => {
    const list = providerListFor(model);
    expect([...terraformTrees(model)].flatMap(([name, file]) => unknownArguments(file, list).map((problem) => `${name}: ${problem}`))).toEqual([]);
  });
});
