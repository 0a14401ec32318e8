import { BugError } from '../../src/core/errors.js';
import { call, data, nested, ref, resource, type Block, type Body } from '../../src/core/hcl/index.js';
import { cronFields, weekdayName } from '../infrastructure-shared/cron.js';
import { hostPorts, rotatedJsonLogs, userDataReference, type HostOptions } from '../infrastructure-shared/host.js';
import { composeHostSize, embeddedStoreGiB, nodePoolBounds } from '../infrastructure-shared/sizing.js';
import { addOutput, addVariable } from '../infrastructure-shared/terraform.js';
import { environmentTag, type DoContext } from './context.js';

/** The VPC: its own range when the target has a dedicated one, otherwise one DigitalOcean picks. */
export function vpc(context: DoContext): Block[] {
  const network = context.environment.infrastructure.network;
  addOutput(context, 'vpc_id', ref('digitalocean_vpc.main.id'), 'The VPC');
  return [
    resource('digitalocean_vpc', 'main', {
      name: context.name,
      region: context.region,
      description: `Private network of ${context.name}`,
      ip_range: network.dedicated ? network.cidr : undefined,
    }),
  ];
}

const nodeSize = { slug: 's-4vcpu-8gb', cpus: 3.5, memoryGiB: 6 };
const gpuSize = 'gpu-h100x1-80gb';

/**
 * DOKS: the cluster on the Kubernetes minor the target names (latest patch; upgrades are a
 * deliberate change), a node pool sized from the services' requests, and a tainted GPU pool when a
 * service asks for GPUs.
 */
export function kubernetes(context: DoContext): Block[] {
  const { environment, name } = context;
  const infra = environment.infrastructure;
  const gpuServices = environment.services.filter((service) => infra.compute.gpuServices.includes(service.name));
  const general = environment.services.filter((service) => !infra.compute.gpuServices.includes(service.name));
  const nodes = nodePoolBounds(nodeSize, general, context.production);
  const { declared, effective } = environment.runtimeVersion;
  if (effective === undefined) throw new BugError(`${name}: a Kubernetes target always has a version to provision`);
  const blocks: Block[] = [
    data('digitalocean_kubernetes_versions', 'main', { version_prefix: `${effective}.` }),
    resource(
      'digitalocean_kubernetes_cluster',
      'main',
      {
        name,
        region: context.region,
        version: ref('data.digitalocean_kubernetes_versions.main.latest_version'),
        vpc_uuid: ref('digitalocean_vpc.main.id'),
        ha: context.production,
        auto_upgrade: false,
        surge_upgrade: true,
        tags: [environmentTag(context)],
        node_pool: nested({
          name: 'general',
          size: nodeSize.slug,
          auto_scale: true,
          min_nodes: nodes.min,
          max_nodes: nodes.max,
          labels: { 'slipway.dev/pool': 'general' },
          tags: [environmentTag(context), `${name}-nodes`],
        }),
        maintenance_policy: nested({ day: 'sunday', start_time: '03:00' }),
        // A new patch release is applied on purpose, not by whichever plan runs first.
        lifecycle: nested({ ignore_changes: [ref('version')] }),
      },
      [declared ? `Kubernetes ${declared} cluster of ${name}.` : `Kubernetes cluster of ${name}.`],
    ),
  ];
  if (gpuServices.length > 0) {
    const count = (pick: 'min' | 'max') => gpuServices.reduce((sum, service) => sum + Math.max(1, service.scaling[pick]) * Math.max(1, service.resources.gpu ?? 1), 0);
    blocks.push(
      resource(
        'digitalocean_kubernetes_node_pool',
        'gpu',
        {
          cluster_id: ref('digitalocean_kubernetes_cluster.main.id'),
          name: 'gpu',
          size: gpuSize,
          auto_scale: true,
          min_nodes: count('min'),
          max_nodes: Math.max(count('min'), count('max')),
          labels: { 'slipway.dev/pool': 'gpu', 'nvidia.com/gpu.present': 'true' },
          taint: nested({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }),
        },
        [`GPU nodes for ${gpuServices.map((service) => service.name).join(', ')}: tainted, so only pods that ask for nvidia.com/gpu land here.`],
      ),
    );
  }
  addOutput(context, 'cluster_id', ref('digitalocean_kubernetes_cluster.main.id'), 'DOKS cluster (doctl kubernetes cluster kubeconfig save)');
  addOutput(context, 'cluster_endpoint', ref('digitalocean_kubernetes_cluster.main.endpoint'), 'Kubernetes API endpoint');
  return blocks;
}

const dropletSizes = [
  { slug: 's-2vcpu-4gb', cpus: 2, memoryGiB: 4 },
  { slug: 's-4vcpu-8gb', cpus: 4, memoryGiB: 8 },
  { slug: 's-8vcpu-16gb', cpus: 8, memoryGiB: 16 },
  { slug: 'g-8vcpu-32gb', cpus: 8, memoryGiB: 32 },
  { slug: 'g-16vcpu-64gb', cpus: 16, memoryGiB: 64 },
];

/**
 * A Compose target: one droplet with Docker and the Compose plugin (cloud-init), its data on a
 * block-storage volume mounted at /var/lib/docker, and a cloud firewall that opens
 * SSH, HTTP, HTTPS and the public endpoints only. Droplet backups follow `backups`.
 */
export function droplet(context: DoContext): { blocks: Block[]; userData: HostOptions } {
  const { environment, name } = context;
  const infra = environment.infrastructure;
  const size = composeHostSize(dropletSizes, environment.services);
  const dataGiB = Math.max(10, embeddedStoreGiB(environment));
  const volumeName = `${name}-data`;
  const everywhere = ['0.0.0.0/0', '::/0'];
  addVariable(context, 'ssh_keys', { description: 'IDs or fingerprints of the SSH keys that may log in to the droplet', type: call('list', ref('string')), default: [] });

  const body: Body = {
    name,
    region: context.region,
    size: size.slug,
    image: 'ubuntu-24-04-x64',
    vpc_uuid: ref('digitalocean_vpc.main.id'),
    ipv6: true,
    monitoring: true,
    ssh_keys: ref('var.ssh_keys'),
    volume_ids: [ref('digitalocean_volume.data.id')],
    user_data: userDataReference(),
    tags: [environmentTag(context)],
    backups: infra.backups !== undefined,
    backup_policy: infra.backups ? nested(backupPolicy(infra.backups.schedule)) : undefined,
    // A newer image or changed cloud-init must not replace a host that holds data.
    lifecycle: nested({ ignore_changes: [ref('image'), ref('user_data')] }),
  };
  const comment = [`Compose host of ${name}: ${size.slug}.`];
  if (infra.backups) {
    comment.push(`Backups at "${infra.backups.schedule}" (UTC): DigitalOcean keeps droplet backups 7 days (daily) or 4 weeks (weekly);`, `the ${infra.backups.retentionDays}-day retention is the bundle's own backups' (update.sh).`);
  }
  const blocks: Block[] = [
    resource('digitalocean_volume', 'data', {
      name: volumeName,
      region: context.region,
      size: dataGiB,
      initial_filesystem_type: 'ext4',
      description: `Docker data (the embedded stores' volumes) of ${name}`,
      tags: [environmentTag(context)],
    }),
    resource('digitalocean_droplet', 'host', body, comment),
    resource('digitalocean_firewall', 'host', {
      name,
      droplet_ids: [ref('digitalocean_droplet.host.id')],
      inbound_rule: nested(hostPorts(environment, { ssh: true }).map((port) => ({ protocol: 'tcp', port_range: String(port), source_addresses: everywhere }))),
      outbound_rule: nested([
        { protocol: 'tcp', port_range: '1-65535', destination_addresses: everywhere },
        { protocol: 'udp', port_range: '1-65535', destination_addresses: everywhere },
        { protocol: 'icmp', destination_addresses: everywhere },
      ]),
    }),
  ];
  addOutput(context, 'host_ip', ref('digitalocean_droplet.host.ipv4_address'), 'Public address of the Compose host');
  return { blocks, userData: { daemon: rotatedJsonLogs, dataDevice: `/dev/disk/by-id/scsi-0DO_Volume_${volumeName}` } };
}

/** DigitalOcean runs backups in 4-hour windows, daily or on one weekday. */
function backupPolicy(schedule: string): Body {
  const fields = cronFields(schedule);
  const hour = /^[0-9]+$/.test(fields.hour) ? Number(fields.hour) : 0;
  const window = Math.floor(hour / 4) * 4;
  // One day of the week is a weekly plan; anything else (every day, a range, a list) runs daily.
  const weekday = /^([0-7]|[A-Za-z]{3})$/.test(fields.weekday) ? weekdayName(fields.weekday) : undefined;
  return weekday ? { plan: 'weekly', weekday, hour: window } : { plan: 'daily', hour: window };
}
