import { nested, ref, resource, type Block, type Body } from '../../src/core/hcl/index.js';
import { boundedName } from '../infrastructure-shared/naming.js';
import { addOutput, addVariable } from '../infrastructure-shared/terraform.js';
import type { DoContext } from './context.js';

/**
 * The load balancer of a DOKS target. DigitalOcean's cloud controller configures a load balancer
 * for a Service of type LoadBalancer; this one is created here so DNS can point at a stable address,
 * and the edge Service adopts it (annotation `kubernetes.digitalocean.com/load-balancer-id` =
 * output `load_balancer_id`), after which the controller owns its rules. TLS passes through to
 * the cluster, where cert-manager holds the certificate.
 */
export function loadBalancer(context: DoContext): Block[] {
  const infra = context.environment.infrastructure;
  if (infra.loadBalancer?.kind !== 'digitalocean') return [];
  addOutput(context, 'load_balancer_id', ref('digitalocean_loadbalancer.public.id'), 'Adopted by the edge Service (kubernetes.digitalocean.com/load-balancer-id)');
  addOutput(context, 'load_balancer_ip', ref('digitalocean_loadbalancer.public.ip'), 'Public address of the load balancer');
  const primary = infra.publicEndpoints[0];
  return [
    resource('digitalocean_loadbalancer', 'public', {
      name: boundedName([context.name, 'public'], 63),
      region: context.region,
      vpc_uuid: ref('digitalocean_vpc.main.id'),
      droplet_tag: `${context.name}-nodes`,
      forwarding_rule: nested([
        { entry_protocol: 'http', entry_port: 80, target_protocol: 'http', target_port: primary?.number ?? 80 },
        { entry_protocol: 'https', entry_port: 443, target_protocol: 'https', target_port: 443, tls_passthrough: true },
      ]),
      healthcheck: nested({ protocol: 'tcp', port: primary?.number ?? 80 }),
      lifecycle: nested({ ignore_changes: [ref('forwarding_rule'), ref('healthcheck'), ref('droplet_tag'), ref('droplet_ids')] }),
    }),
  ];
}

/** The domain as a DigitalOcean DNS zone (delegate it to ns1–ns3.digitalocean.com), pointing at the load balancer or the host. */
export function domain(context: DoContext): Block[] {
  const infra = context.environment.infrastructure;
  const name = infra.dns.domain;
  if (name === undefined || infra.dns.zone !== 'digitalocean') return [];
  const address = infra.compute.platform === 'doks' ? ref('digitalocean_loadbalancer.public.ip') : ref('digitalocean_droplet.host.ipv4_address');
  return [
    resource(
      'digitalocean_domain',
      'main',
      { name },
      infra.whiteLabel ? [`White-label domain of ${infra.whiteLabel.brand?.name ?? context.name}: delegate it to ns1, ns2 and ns3.digitalocean.com.`] : [`Delegate ${name} to ns1, ns2 and ns3.digitalocean.com.`],
    ),
    resource('digitalocean_record', 'apex', { domain: ref('digitalocean_domain.main.id'), type: 'A', name: '@', value: address, ttl: 300 }),
  ];
}

/**
 * Alert policies per `monitoring.alerting`: CPU, memory and disk of the nodes or the droplet.
 * DigitalOcean notifies by email or Slack; PagerDuty and Opsgenie
 * take the email route (their email integration address).
 */
export function monitoring(context: DoContext): Block[] {
  const alerting = context.environment.infrastructure.observability.alerting;
  if (!alerting) return [];
  const where = alerting.reference ? ` (kept at ${alerting.reference} as ${alerting.ref})` : '';
  let notify: Body;
  if (alerting.receiver === 'slack') {
    addVariable(context, 'alert_slack_channel', { description: 'Slack channel the alerts go to', type: ref('string') });
    addVariable(context, 'alert_slack_webhook_url', { description: `Slack incoming-webhook URL${where}`, type: ref('string'), sensitive: true });
    notify = { slack: nested({ channel: ref('var.alert_slack_channel'), url: ref('var.alert_slack_webhook_url') }) };
  } else {
    addVariable(context, 'alert_email', {
      description: alerting.receiver === 'email' ? `Address the alerts are mailed to${where}` : `Email integration address of ${alerting.receiver}${where}`,
      type: ref('string'),
      sensitive: true,
    });
    notify = { email: [ref('var.alert_email')] };
  }
  const doks = context.environment.infrastructure.compute.platform === 'doks';
  const subject: Body = doks ? { tags: [`${context.name}-nodes`] } : { entities: [ref('digitalocean_droplet.host.id')] };
  const policy = (id: string, type: string, value: number, description: string) =>
    resource('digitalocean_monitor_alert', id, {
      description: `${context.name}: ${description}`,
      type,
      compare: 'GreaterThan',
      value,
      window: '10m',
      enabled: true,
      ...subject,
      alerts: nested(notify),
    });
  const blocks: Block[] = [
    policy('cpu', 'v1/insights/droplet/cpu', 85, 'CPU above 85%'),
    policy('memory', 'v1/insights/droplet/memory_utilization_percent', 90, 'memory above 90%'),
    policy('disk', 'v1/insights/droplet/disk_utilization_percent', 85, 'disk above 85%'),
  ];
  return blocks;
}
