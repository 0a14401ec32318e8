import { call, data, nested, ref, resource, type Block, type Body } from '../../src/core/hcl/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { gibibytes } from '../infrastructure-shared/sizing.js';
import { addOutput, addVariable } from '../infrastructure-shared/terraform.js';
import { assumeRolePolicy, awsName, type AwsContext } from './context.js';
import { awsCron } from './cron.js';
import { routes } from './routes.js';

/**
 * Alarms per `monitoring`: an SNS topic the receiver subscribes to (PagerDuty and Opsgenie take
 * SNS over HTTPS, email by mail), and CloudWatch alarms on what Terraform created — the load
 * balancer, the databases and caches, the ECS services or the Compose host.
 */
export function monitoring(context: AwsContext): Block[] {
  const { environment } = context;
  const observability = environment.infrastructure.observability;
  const alerting = observability.alerting;
  if (!alerting && observability.metrics !== 'cloudwatch') return [];
  const topic = ref('aws_sns_topic.alerts.arn');
  context.alertsTopic = topic;
  const blocks: Block[] = [resource('aws_sns_topic', 'alerts', { name: awsName(context, ['alerts'], 256) })];
  addOutput(context, 'alerts_topic_arn', topic, 'SNS topic the alarms notify');

  if (alerting && alerting.receiver !== 'slack') {
    const where = alerting.reference ? `; its value is kept at ${alerting.reference} (${alerting.ref})` : '';
    addVariable(context, 'alerting_endpoint', {
      description: alerting.receiver === 'email' ? `Address the alarms are mailed to${where}` : `HTTPS endpoint of the ${alerting.receiver} SNS integration${where}`,
      type: ref('string'),
      sensitive: true,
    });
    blocks.push(
      resource('aws_sns_topic_subscription', 'alerting', {
        topic_arn: topic,
        protocol: alerting.receiver === 'email' ? 'email' : 'https',
        endpoint: ref('var.alerting_endpoint'),
        endpoint_auto_confirms: alerting.receiver === 'email' ? undefined : true,
      }),
    );
  } else if (alerting) {
    blocks[0] = resource('aws_sns_topic', 'alerts', { name: awsName(context, ['alerts'], 256) }, [
      `Slack receives these alarms through AWS Chatbot subscribed to this topic (webhook ${alerting.ref}${alerting.reference ? ` at ${alerting.reference}` : ''}).`,
    ]);
  }

  if (routes(environment).length > 0) {
    const balancer = { LoadBalancer: ref('aws_lb.public.arn_suffix') };
    blocks.push(
      alarm(context, 'alb_5xx', 'Targets answer with 5xx', { namespace: 'AWS/ApplicationELB', metric_name: 'HTTPCode_Target_5XX_Count', statistic: 'Sum', threshold: 25, dimensions: balancer }),
      alarm(context, 'alb_latency', 'Average response time above 2 s', { namespace: 'AWS/ApplicationELB', metric_name: 'TargetResponseTime', statistic: 'Average', threshold: 2, dimensions: balancer }),
    );
  }
  for (const store of environment.resources.filter((resource) => resource.managed)) {
    const id = label(store.name);
    if (store.type === 'postgres' || store.type === 'mysql') {
      const instance = { DBInstanceIdentifier: ref('aws_db_instance', id, 'identifier') };
      const tenthOfStorage = Math.floor(Math.max(20, gibibytes(store.storage, 20)) * 0.1 * 2 ** 30);
      blocks.push(
        alarm(context, `${id}_cpu`, `${store.name}: CPU above 80%`, { namespace: 'AWS/RDS', metric_name: 'CPUUtilization', statistic: 'Average', threshold: 80, dimensions: instance }),
        alarm(context, `${id}_storage`, `${store.name}: under 10% storage free`, {
          namespace: 'AWS/RDS',
          metric_name: 'FreeStorageSpace',
          statistic: 'Minimum',
          threshold: tenthOfStorage,
          comparison_operator: 'LessThanThreshold',
          dimensions: instance,
        }),
      );
    } else if (store.type === 'redis') {
      // Alarms watch the primary node, which ElastiCache names <group>-001.
      const node = { CacheClusterId: call('format', '%s-001', ref('aws_elasticache_replication_group', id, 'id')) };
      blocks.push(
        alarm(context, `${id}_cpu`, `${store.name}: engine CPU above 80%`, { namespace: 'AWS/ElastiCache', metric_name: 'EngineCPUUtilization', statistic: 'Average', threshold: 80, dimensions: node }),
        alarm(context, `${id}_memory`, `${store.name}: memory above 85%`, { namespace: 'AWS/ElastiCache', metric_name: 'DatabaseMemoryUsagePercentage', statistic: 'Average', threshold: 85, dimensions: node }),
      );
    }
  }
  if (environment.runtime === 'ecs' && observability.metrics === 'cloudwatch') {
    for (const service of environment.services) {
      const dimensions = { ClusterName: context.name, ServiceName: service.name };
      blocks.push(
        alarm(context, `${label(service.name)}_cpu`, `${service.name}: CPU above 85%`, { namespace: 'AWS/ECS', metric_name: 'CPUUtilization', statistic: 'Average', threshold: 85, dimensions }),
        alarm(context, `${label(service.name)}_memory`, `${service.name}: memory above 90%`, { namespace: 'AWS/ECS', metric_name: 'MemoryUtilization', statistic: 'Average', threshold: 90, dimensions }),
      );
    }
  }
  if (environment.infrastructure.compute.platform === 'ec2') {
    const instance = { InstanceId: ref('aws_instance.host.id') };
    blocks.push(
      alarm(context, 'host_status', 'The Compose host fails its status checks', { namespace: 'AWS/EC2', metric_name: 'StatusCheckFailed', statistic: 'Maximum', threshold: 1, comparison_operator: 'GreaterThanOrEqualToThreshold', period: 60, dimensions: instance }),
      alarm(context, 'host_cpu', 'The Compose host: CPU above 85%', { namespace: 'AWS/EC2', metric_name: 'CPUUtilization', statistic: 'Average', threshold: 85, dimensions: instance }),
    );
  }
  return blocks;
}

function alarm(context: AwsContext, id: string, description: string, metric: Body & { threshold: number }): Block {
  return resource('aws_cloudwatch_metric_alarm', id, {
    alarm_name: awsName(context, [id.replace(/_/g, '-')], 255),
    alarm_description: description,
    comparison_operator: 'GreaterThanThreshold',
    evaluation_periods: 3,
    period: 300,
    treat_missing_data: 'notBreaching',
    ...metric,
    alarm_actions: [context.alertsTopic!],
    ok_actions: [context.alertsTopic!],
  });
}

/** AWS Backup per `backups`: the schedule (UTC) and the retention in days, over everything that holds data. */
export function backups(context: AwsContext): Block[] {
  const policy = context.environment.infrastructure.backups;
  if (!policy || context.backupResources.length === 0) return [];
  const schedule = awsCron(policy.schedule);
  const privateStorage = context.environment.infrastructure.privateStorage;
  return [
    resource('aws_backup_vault', 'main', { name: context.name, kms_key_arn: privateStorage ? ref('aws_kms_key.storage.arn') : undefined }),
    resource(
      'aws_backup_plan',
      'main',
      {
        name: context.name,
        rule: nested({
          rule_name: 'scheduled',
          target_vault_name: ref('aws_backup_vault.main.name'),
          schedule: schedule.expression,
          schedule_expression_timezone: 'Etc/UTC',
          start_window: 60,
          completion_window: 480,
          lifecycle: nested({ delete_after: policy.retentionDays }),
        }),
      },
      [
        `Backups at "${policy.schedule}" (UTC), kept ${policy.retentionDays} days.`,
        ...(schedule.approximate ? ['AWS cron cannot say "day of month or day of week": this plan runs on the days of the month only.'] : []),
      ],
    ),
    data('aws_iam_policy_document', 'backup_assume', assumeRolePolicy('backup.amazonaws.com')),
    resource('aws_iam_role', 'backup', { name: awsName(context, ['backup']), assume_role_policy: ref('data.aws_iam_policy_document.backup_assume.json') }),
    resource('aws_iam_role_policy_attachment', 'backup', {
      for_each: call('toset', [
        'arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup',
        'arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore',
        'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
        'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
      ]),
      role: ref('aws_iam_role.backup.name'),
      policy_arn: ref('each.value'),
    }),
    resource('aws_backup_selection', 'main', {
      name: context.name,
      plan_id: ref('aws_backup_plan.main.id'),
      iam_role_arn: ref('aws_iam_role.backup.arn'),
      resources: context.backupResources,
    }),
  ];
}
