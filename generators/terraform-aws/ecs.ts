import { data, nested, ref, resource, type Block, type Body, type Value } from '../../src/core/hcl/index.js';
import type { ResolvedService } from '../../src/model/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { addOutput } from '../infrastructure-shared/terraform.js';
import { assumeRolePolicy, awsName, ingress, portedServices, privateSubnetIds, securityGroup, vpcId, type AwsContext } from './context.js';
import { executionRole, logGroupLabel, taskDefinitions } from './ecs-tasks.js';
import { routes, type Route } from './routes.js';
import { scheduledServices, scheduledTasks } from './ecs-schedule.js';
import { workloadBuckets } from './connections.js';

/**
 * ECS on Fargate: a cluster, a task definition and a service per service of the environment.
 * Rolling services deploy with the circuit breaker (a failed rollout rolls back); blue-green ones
 * through CodeDeploy, which shifts a load balancer listener between two target groups. Services
 * find each other by name: every task's DNS search domain is `<env>.internal` (the VPC's DHCP
 * options), where Cloud Map registers rolling services and an alias points at the internal ALB
 * for blue-green ones.
 */
export function ecs(context: AwsContext): Block[] {
  const { name, environment } = context;
  const allRoutes = routes(environment);
  const namespace = `${name}.internal`;
  context.appSecurityGroup = ref('aws_security_group.services.id');

  const ingressRules: Body[] = [{ description: 'Between the services', from_port: 0, to_port: 0, protocol: '-1', self: true }];
  for (const route of allRoutes) {
    ingressRules.push(
      ingress(route.containerPort, `${route.service.name} from the ${route.balancer} load balancer`, {
        security_groups: [ref('aws_security_group', route.balancer === 'public' ? 'alb' : 'internal_alb', 'id')],
      }),
    );
  }
  const blocks: Block[] = [
    securityGroup(context, 'services', 'ECS tasks', ingressRules),
    resource('aws_ecs_cluster', 'main', {
      name,
      setting: nested({ name: 'containerInsights', value: environment.infrastructure.observability.metrics === 'cloudwatch' ? 'enabled' : 'disabled' }),
    }),
    resource('aws_vpc_dhcp_options', 'main', { domain_name: namespace, domain_name_servers: ['AmazonProvidedDNS'], tags: { Name: name } }, [
      `Short service names (api, frontend, …) resolve inside ${namespace}.`,
    ]),
    resource('aws_vpc_dhcp_options_association', 'main', { vpc_id: vpcId(), dhcp_options_id: ref('aws_vpc_dhcp_options.main.id') }),
    resource('aws_service_discovery_private_dns_namespace', 'main', { name: namespace, description: `Services of ${name}`, vpc: vpcId() }),
    ...executionRole(context),
  ];
  const blueGreen = allRoutes.filter((route) => route.blueGreen);
  for (const service of environment.services) {
    const route = allRoutes.find((candidate) => candidate.service.name === service.name);
    blocks.push(resource('aws_cloudwatch_log_group', logGroupLabel(service), { name: `/ecs/${name}/${service.name}`, retention_in_days: context.logRetentionDays }));
    blocks.push(...taskDefinitions(context, service));
    // A scheduled service is started by EventBridge (ecs-schedule.ts): no ECS service keeps it running.
    if (service.options.schedule !== undefined) continue;
    if (!route?.blueGreen && portedServices(environment).includes(service)) blocks.push(discoveryService(service));
    blocks.push(ecsService(context, service, route));
    if (service.scaling.max > service.scaling.min) blocks.push(...autoscaling(context, service));
    if (route?.blueGreen && route.balancer === 'internal') {
      blocks.push(
        resource('aws_route53_record', `${label(service.name)}_internal`, {
          zone_id: ref('aws_service_discovery_private_dns_namespace.main.hosted_zone'),
          name: `${service.name}.${namespace}`,
          type: 'A',
          alias: nested({ name: ref('aws_lb.internal.dns_name'), zone_id: ref('aws_lb.internal.zone_id'), evaluate_target_health: true }),
        }),
      );
    }
  }
  if (blueGreen.length > 0) blocks.push(...codeDeploy(context, blueGreen));
  blocks.push(...scheduledTasks(context, scheduledServices(environment), (service) => workloadBuckets(environment, service).length > 0));

  addOutput(context, 'ecs_cluster_name', ref('aws_ecs_cluster.main.name'), 'ECS cluster');
  const migrations: Record<string, Value> = {};
  for (const service of environment.services.filter((candidate) => candidate.migrations)) {
    migrations[service.name] = ref('aws_ecs_task_definition', `${label(service.name)}_migrate`, 'arn');
  }
  if (Object.keys(migrations).length > 0) {
    addOutput(context, 'migration_task_definitions', migrations, 'Run before a release rolls: aws ecs run-task with the task network below');
    addOutput(context, 'task_network', { subnets: privateSubnetIds(), security_groups: [ref('aws_security_group.services.id')] }, 'Network configuration for one-off tasks');
  }
  return blocks;
}

function discoveryService(service: ResolvedService): Block {
  return resource('aws_service_discovery_service', label(service.name), {
    name: service.name,
    dns_config: nested({
      namespace_id: ref('aws_service_discovery_private_dns_namespace.main.id'),
      routing_policy: 'MULTIVALUE',
      dns_records: nested({ ttl: 10, type: 'A' }),
    }),
  });
}

function ecsService(context: AwsContext, service: ResolvedService, route: Route | undefined): Block {
  const id = label(service.name);
  const scheduler = service.role === 'scheduler';
  const codeDeploy = route?.blueGreen === true;
  const ignored = codeDeploy ? ['desired_count', 'task_definition', 'load_balancer'] : ['desired_count'];
  const comment = codeDeploy
    ? [`${service.name}: blue-green through CodeDeploy (deployment group ${service.name}).`]
    : service.strategy === 'blue-green'
      ? [`${service.name} asks for blue-green, which CodeDeploy does only behind a load balancer; it rolls with the circuit breaker, new tasks before old ones stop.`]
      : undefined;
  return resource(
    'aws_ecs_service',
    id,
    {
      name: service.name,
      cluster: ref('aws_ecs_cluster.main.id'),
      task_definition: ref('aws_ecs_task_definition', id, 'arn'),
      desired_count: Math.max(1, service.scaling.min),
      launch_type: 'FARGATE',
      propagate_tags: 'SERVICE',
      // A scheduler must never run twice, not even during a deploy.
      deployment_minimum_healthy_percent: codeDeploy ? undefined : scheduler ? 0 : 100,
      deployment_maximum_percent: codeDeploy ? undefined : scheduler ? 100 : 200,
      health_check_grace_period_seconds: route ? 60 : undefined,
      network_configuration: nested({ subnets: privateSubnetIds(), security_groups: [ref('aws_security_group.services.id')], assign_public_ip: false }),
      deployment_controller: nested({ type: codeDeploy ? 'CODE_DEPLOY' : 'ECS' }),
      deployment_circuit_breaker: codeDeploy ? undefined : nested({ enable: true, rollback: true }),
      load_balancer: route ? nested({ target_group_arn: ref('aws_lb_target_group', route.targetGroups[0]!, 'arn'), container_name: service.name, container_port: route.containerPort }) : undefined,
      service_registries: !codeDeploy && service.ports.length > 0 ? nested({ registry_arn: ref('aws_service_discovery_service', id, 'arn') }) : undefined,
      lifecycle: nested({ ignore_changes: ignored.map((name) => ref(name)) }),
      depends_on: route ? [ref('aws_lb_listener', route.listener)] : undefined,
    },
    comment,
  );
}

function autoscaling(context: AwsContext, service: ResolvedService): Block[] {
  const id = label(service.name);
  return [
    resource('aws_appautoscaling_target', id, {
      service_namespace: 'ecs',
      scalable_dimension: 'ecs:service:DesiredCount',
      resource_id: `service/${context.name}/${service.name}`,
      min_capacity: Math.max(1, service.scaling.min),
      max_capacity: service.scaling.max,
      depends_on: [ref('aws_ecs_service', id)],
    }),
    resource('aws_appautoscaling_policy', id, {
      name: `${service.name}-cpu`,
      policy_type: 'TargetTrackingScaling',
      service_namespace: ref('aws_appautoscaling_target', id, 'service_namespace'),
      scalable_dimension: ref('aws_appautoscaling_target', id, 'scalable_dimension'),
      resource_id: ref('aws_appautoscaling_target', id, 'resource_id'),
      target_tracking_scaling_policy_configuration: nested({
        target_value: service.scaling.targetCpuPercent ?? 70,
        predefined_metric_specification: nested({ predefined_metric_type: 'ECSServiceAverageCPUUtilization' }),
      }),
    }),
  ];
}

function codeDeploy(context: AwsContext, blueGreen: Route[]): Block[] {
  const blocks: Block[] = [
    resource('aws_codedeploy_app', 'main', { name: context.name, compute_platform: 'ECS' }),
    data('aws_iam_policy_document', 'codedeploy_assume', assumeRolePolicy('codedeploy.amazonaws.com')),
    resource('aws_iam_role', 'codedeploy', { name: awsName(context, ['codedeploy']), assume_role_policy: ref('data.aws_iam_policy_document.codedeploy_assume.json') }),
    resource('aws_iam_role_policy_attachment', 'codedeploy', { role: ref('aws_iam_role.codedeploy.name'), policy_arn: 'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS' }),
  ];
  for (const route of blueGreen) {
    blocks.push(
      resource('aws_codedeploy_deployment_group', label(route.service.name), {
        app_name: ref('aws_codedeploy_app.main.name'),
        deployment_group_name: route.service.name,
        service_role_arn: ref('aws_iam_role.codedeploy.arn'),
        deployment_config_name: 'CodeDeployDefault.ECSAllAtOnce',
        auto_rollback_configuration: nested({ enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] }),
        blue_green_deployment_config: nested({
          deployment_ready_option: nested({ action_on_timeout: 'CONTINUE_DEPLOYMENT' }),
          terminate_blue_instances_on_deployment_success: nested({ action: 'TERMINATE', termination_wait_time_in_minutes: 15 }),
        }),
        deployment_style: nested({ deployment_option: 'WITH_TRAFFIC_CONTROL', deployment_type: 'BLUE_GREEN' }),
        ecs_service: nested({ cluster_name: ref('aws_ecs_cluster.main.name'), service_name: ref('aws_ecs_service', label(route.service.name), 'name') }),
        load_balancer_info: nested({
          target_group_pair_info: nested({
            prod_traffic_route: nested({ listener_arns: [ref('aws_lb_listener', route.listener, 'arn')] }),
            test_traffic_route: nested({ listener_arns: [ref('aws_lb_listener', route.testListener!, 'arn')] }),
            target_group: nested(route.targetGroups.map((group) => ({ name: ref('aws_lb_target_group', group, 'name') }))),
          }),
        }),
      }),
    );
  }
  return blocks;
}
