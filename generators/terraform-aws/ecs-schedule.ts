import { call, data, nested, ref, resource, type Block, type Expression } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { assumeRolePolicy, awsName, privateSubnetIds, type AwsContext } from './context.js';
import { awsCron } from './cron.js';
import { declaredTaskRole } from './ecs-options.js';

/** Services that run on a schedule (service options): a task started by EventBridge, no ECS service. */
export function scheduledServices(environment: ResolvedEnvironment): ResolvedService[] {
  return environment.services.filter((service) => service.options.schedule !== undefined);
}

/**
 * A scheduled service on ECS: an EventBridge rule on its schedule (UTC, as AWS cron), whose target
 * runs one task of its task definition on Fargate in the private subnets. EventBridge starts it
 * under a role that may run only these task definitions and hand over only their roles.
 */
export function scheduledTasks(context: AwsContext, services: readonly ResolvedService[], usesBucketRole: (service: ResolvedService) => boolean): Block[] {
  if (services.length === 0) return [];
  const blocks: Block[] = [];
  const passed: Array<Expression | string> = [ref('aws_iam_role.ecs_execution.arn')];
  for (const service of services) {
    const id = `${label(service.name)}_schedule`;
    const cron = awsCron(service.options.schedule!);
    blocks.push(
      resource(
        'aws_cloudwatch_event_rule',
        id,
        { name: awsName(context, [service.name, 'schedule'], 64), description: `Runs ${service.name} on its schedule (${service.options.schedule} UTC)`, schedule_expression: cron.expression },
        cron.approximate ? [`${service.options.schedule} restricts both day fields, which AWS cannot say: the day of the month wins.`] : undefined,
      ),
      resource('aws_cloudwatch_event_target', id, {
        rule: ref('aws_cloudwatch_event_rule', id, 'name'),
        target_id: service.name,
        arn: ref('aws_ecs_cluster.main.arn'),
        role_arn: ref('aws_iam_role.ecs_events.arn'),
        ecs_target: nested({
          task_definition_arn: ref('aws_ecs_task_definition', label(service.name), 'arn'),
          task_count: 1,
          launch_type: 'FARGATE',
          network_configuration: nested({ subnets: privateSubnetIds(), security_groups: [ref('aws_security_group.services.id')], assign_public_ip: false }),
        }),
      }),
    );
    const role = usesBucketRole(service) ? ref('aws_iam_role', `${label(service.name)}_task`, 'arn') : declaredTaskRole(service);
    if (role !== undefined) passed.push(role);
  }
  blocks.push(
    data('aws_iam_policy_document', 'ecs_events_assume', assumeRolePolicy('events.amazonaws.com')),
    resource('aws_iam_role', 'ecs_events', { name: awsName(context, ['ecs-events']), assume_role_policy: ref('data.aws_iam_policy_document.ecs_events_assume.json') }),
    data('aws_iam_policy_document', 'ecs_events', {
      statement: nested([
        // Any revision of these families: the rule always starts the one its target names.
        { actions: ['ecs:RunTask'], resources: services.map((service) => call('format', '%s:*', ref('aws_ecs_task_definition', label(service.name), 'arn_without_revision'))) },
        { actions: ['iam:PassRole'], resources: passed },
      ]),
    }),
    resource('aws_iam_role_policy', 'ecs_events', { name: 'run-scheduled-tasks', role: ref('aws_iam_role.ecs_events.id'), policy: ref('data.aws_iam_policy_document.ecs_events.json') }),
  );
  return blocks;
}
