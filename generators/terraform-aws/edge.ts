import { data, nested, ref, resource, type Block, type Body, type Value } from '../../src/core/hcl/index.js';
import { addOutput } from '../infrastructure-shared/terraform.js';
import { awsName, fromAnywhere, ingress, nameTag, privateSubnetIds, publicSubnetIds, securityGroup, vpcId, type AwsContext } from './context.js';
import { routes, servesHttps, type Route } from './routes.js';

/**
 * The load balancers: an internet-facing ALB for the public endpoints (HTTPS with an ACM
 * certificate when the domain has a Route 53 zone, port 80 redirecting), and on ECS an internal ALB
 * for blue-green services that only other services call. Targets are IP targets: ECS tasks
 * register themselves; on EKS the chart's TargetGroupBinding binds the pods (output
 * `target_group_arns`).
 */
export function loadBalancers(context: AwsContext): Block[] {
  const all = routes(context.environment);
  if (all.length === 0) return [];
  const https = servesHttps(context.environment);
  const cdn = context.environment.infrastructure.cdn.enabled;
  const publicRoutes = all.filter((route) => route.balancer === 'public');
  const internalRoutes = all.filter((route) => route.balancer === 'internal');
  const blocks: Block[] = [];

  const publicIngress: Body[] = [];
  if (cdn) {
    // Only CloudFront reaches the origin; the prefix list weighs ~55 rules, so it is used once.
    blocks.push(data('aws_ec2_managed_prefix_list', 'cloudfront', { name: 'com.amazonaws.global.cloudfront.origin-facing' }));
    publicIngress.push(ingress(https ? 443 : 80, 'From CloudFront', { prefix_list_ids: [ref('data.aws_ec2_managed_prefix_list.cloudfront.id')] }));
  } else {
    if (https) publicIngress.push(ingress(443, 'HTTPS from anywhere', fromAnywhere));
    publicIngress.push(ingress(80, https ? 'HTTP from anywhere, redirected to HTTPS' : 'HTTP from anywhere', fromAnywhere));
  }
  for (const route of publicRoutes.slice(1)) publicIngress.push(ingress(route.listenerPort, `${route.service.name} ${route.portName}`, fromAnywhere));
  for (const route of publicRoutes.filter((candidate) => candidate.testPort !== undefined)) {
    publicIngress.push(ingress(route.testPort!, `Blue-green test traffic of ${route.service.name}, from inside the VPC`, { cidr_blocks: [ref('var.vpc_cidr')] }));
  }
  blocks.push(...balancer(context, 'public', 'Public load balancer', publicIngress));

  if (internalRoutes.length > 0 && context.appSecurityGroup) {
    const internalIngress = internalRoutes.flatMap((route) => [route.listenerPort, route.testPort!]).map((port) => ingress(port, 'From the services', { security_groups: [context.appSecurityGroup!] }));
    blocks.push(...balancer(context, 'internal', 'Internal load balancer of the blue-green services', internalIngress));
  }

  if (context.environment.infrastructure.compute.platform === 'eks' && context.appSecurityGroup) {
    // Pods take VPC addresses on the cluster's security group; the ALB reaches them directly.
    for (const route of publicRoutes) {
      blocks.push(
        resource('aws_security_group_rule', `${route.targetGroups[0]!}_from_alb`, {
          type: 'ingress',
          description: `${route.service.name} ${route.portName} from the public load balancer`,
          from_port: route.containerPort,
          to_port: route.containerPort,
          protocol: 'tcp',
          security_group_id: context.appSecurityGroup,
          source_security_group_id: ref('aws_security_group.alb.id'),
        }),
      );
    }
  }
  for (const route of all) {
    route.targetGroups.forEach((group, index) => blocks.push(targetGroup(context, route, group, route.blueGreen ? (index === 0 ? 'blue' : 'green') : undefined)));
  }
  if (https) {
    blocks.push(
      resource('aws_lb_listener', 'http_redirect', {
        load_balancer_arn: ref('aws_lb.public.arn'),
        port: 80,
        protocol: 'HTTP',
        default_action: nested({ type: 'redirect', redirect: nested({ port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' }) }),
      }),
    );
  }
  for (const route of all) {
    const secure = route.balancer === 'public' && https;
    blocks.push(listener(route, route.listener, route.listenerPort, route.targetGroups[0]!, secure));
    if (route.testListener) blocks.push(listener(route, route.testListener, route.testPort!, route.targetGroups[1]!, secure));
  }

  addOutput(context, 'load_balancer_dns_name', ref('aws_lb.public.dns_name'), 'DNS name of the public load balancer');
  const targetGroupArns: Record<string, Value> = {};
  for (const route of publicRoutes) targetGroupArns[`${route.service.name}/${route.portName}`] = ref('aws_lb_target_group', route.targetGroups[0]!, 'arn');
  addOutput(context, 'target_group_arns', targetGroupArns, 'Target group of each public endpoint (service/port); on Kubernetes a TargetGroupBinding binds the pods');
  return blocks;
}

/** An application load balancer and its security group: the public one in the public subnets, the internal one in the private subnets. */
function balancer(context: AwsContext, which: Route['balancer'], description: string, ingressRules: Body[]): Block[] {
  const group = which === 'public' ? 'alb' : 'internal_alb';
  return [
    securityGroup(context, group, description, ingressRules),
    resource('aws_lb', which, {
      name: awsName(context, [which], 32),
      load_balancer_type: 'application',
      internal: which === 'internal',
      security_groups: [ref('aws_security_group', group, 'id')],
      subnets: which === 'public' ? publicSubnetIds() : privateSubnetIds(),
      drop_invalid_header_fields: true,
      idle_timeout: which === 'public' ? 120 : undefined,
      enable_deletion_protection: context.production,
      tags: nameTag(context.name, which),
    }),
  ];
}

function targetGroup(context: AwsContext, route: Route, group: string, color: string | undefined): Block {
  return resource('aws_lb_target_group', group, {
    name: awsName(context, [route.service.name, route.portName, ...(color ? [color] : [])], 32),
    port: route.containerPort,
    protocol: 'HTTP',
    target_type: 'ip',
    vpc_id: vpcId(),
    deregistration_delay: 30,
    health_check: nested({ path: route.healthPath, matcher: '200-399', interval: 15, timeout: 5, healthy_threshold: 2, unhealthy_threshold: 3 }),
  });
}

function listener(route: Route, name: string, port: number, targetGroup: string, secure: boolean): Block {
  return resource(
    'aws_lb_listener',
    name,
    {
      load_balancer_arn: ref('aws_lb', route.balancer, 'arn'),
      port,
      protocol: secure ? 'HTTPS' : 'HTTP',
      ssl_policy: secure ? 'ELBSecurityPolicy-TLS13-1-2-2021-06' : undefined,
      certificate_arn: secure ? ref('aws_acm_certificate_validation.main.certificate_arn') : undefined,
      default_action: nested({ type: 'forward', target_group_arn: ref('aws_lb_target_group', targetGroup, 'arn') }),
      // CodeDeploy moves this listener between the blue and the green target group.
      lifecycle: route.blueGreen ? nested({ ignore_changes: [ref('default_action')] }) : undefined,
    },
    name === route.testListener ? [`Test traffic of ${route.service.name}'s blue-green deployments (the replacement tasks, before the switch).`] : undefined,
  );
}
