import { call, nested, ref, resource, type Block } from '../../src/core/hcl/index.js';
import type { ResolvedResource } from '../../src/model/index.js';
import { boundedName, label, sqlAccount } from '../infrastructure-shared/naming.js';
import { gibibytes } from '../infrastructure-shared/sizing.js';
import { addOutput } from '../infrastructure-shared/terraform.js';
import { environmentTag, spacesRegion, type DoContext } from './context.js';

/** DigitalOcean engine slugs; Redis lines run on Valkey, which replaced DigitalOcean's managed Redis. */
const engines = {
  postgres: { engine: 'pg', version: (asked: string | undefined) => (asked ?? '16').split('.')[0]!, size: 'db-s-1vcpu-2gb' },
  mysql: { engine: 'mysql', version: (asked: string | undefined) => (asked ?? '8').split('.')[0]!, size: 'db-s-1vcpu-2gb' },
  redis: { engine: 'valkey', version: () => '8', size: 'db-s-1vcpu-1gb' },
} as const;

/**
 * Managed database clusters (PostgreSQL, MySQL, Valkey for Redis) inside the VPC, reachable only
 * from the cluster or the droplet (database firewall), and Spaces buckets for object storage.
 * DigitalOcean backs database clusters up daily with point-in-time recovery (7 days); that
 * retention is DigitalOcean's, not configurable.
 */
export function stores(context: DoContext): Block[] {
  const managed = context.environment.resources.filter((resource) => resource.managed);
  const blocks: Block[] = [];
  for (const store of managed) {
    if (store.type === 'object-storage') blocks.push(...bucket(context, store));
    else blocks.push(...databaseCluster(context, store));
  }
  return blocks;
}

function trustedSource(context: DoContext): { type: string; value: ReturnType<typeof ref> } {
  return context.environment.infrastructure.compute.platform === 'doks'
    ? { type: 'k8s', value: ref('digitalocean_kubernetes_cluster.main.id') }
    : { type: 'droplet', value: ref('digitalocean_droplet.host.id') };
}

function databaseCluster(context: DoContext, store: ResolvedResource): Block[] {
  const spec = engines[store.type as keyof typeof engines];
  const id = label(store.name);
  const cluster = ref('digitalocean_database_cluster', id, 'id');
  const blocks: Block[] = [
    resource(
      'digitalocean_database_cluster',
      id,
      {
        name: boundedName([context.name, store.name], 63),
        engine: spec.engine,
        version: spec.version(store.version),
        size: store.class ?? spec.size,
        region: context.region,
        node_count: store.highAvailability ? 2 : 1,
        private_network_uuid: ref('digitalocean_vpc.main.id'),
        storage_size_mib: store.storage !== undefined && store.type !== 'redis' ? gibibytes(store.storage, 10) * 1024 : undefined,
        eviction_policy: store.type === 'redis' ? 'allkeys_lru' : undefined,
        tags: [environmentTag(context)],
        maintenance_window: nested({ day: 'sunday', hour: '02:00:00' }),
      },
      [`${spec.engine === 'pg' ? 'PostgreSQL' : spec.engine === 'mysql' ? 'MySQL' : 'Valkey'} ${spec.version(store.version)} for ${store.usedBy.join(', ')}${store.highAvailability ? ', with a standby node' : ''}.`],
    ),
    resource('digitalocean_database_firewall', id, { cluster_id: cluster, rule: nested(trustedSource(context)) }),
  ];
  if (store.type === 'postgres' || store.type === 'mysql') {
    const account = sqlAccount(store);
    blocks.push(
      resource('digitalocean_database_db', id, { cluster_id: cluster, name: account.database }),
      resource('digitalocean_database_user', id, { cluster_id: cluster, name: account.username }, [
        'DigitalOcean generates this user\'s password; Terraform hands it to the services (connections.tf) and never shows it.',
      ]),
    );
    addOutput(context, `${id}_password`, ref('digitalocean_database_user', id, 'password'), `Password of the ${account.username} user of ${store.name}`, true);
  }
  addOutput(context, `${id}_host`, ref('digitalocean_database_cluster', id, 'private_host'), `Private host of ${store.name}`);
  return blocks;
}

function bucket(context: DoContext, store: ResolvedResource): Block[] {
  const id = label(store.name);
  const region = spacesRegion(context);
  addOutput(context, `${id}_bucket`, ref('digitalocean_spaces_bucket', id, 'name'), `Spaces bucket of ${store.name}`);
  addOutput(context, `${id}_endpoint`, ref('digitalocean_spaces_bucket', id, 'bucket_domain_name'), `Endpoint of ${store.name}`);
  const blocks: Block[] = [
    resource(
      'digitalocean_spaces_bucket',
      id,
      {
        name: boundedName([context.name, store.name], 63),
        region,
        acl: 'private',
        versioning: nested({ enabled: true }),
      },
      [`${store.name}: private; the application hands out signed URLs${region !== context.region ? ` (Spaces region ${region}, nearest to ${context.region})` : ''}.`],
    ),
  ];
  if (store.connection.outputs.includes('access-key-id')) {
    blocks.push(
      resource(
        'digitalocean_spaces_key',
        id,
        { name: boundedName([context.name, store.name], 63), grant: nested({ bucket: ref('digitalocean_spaces_bucket', id, 'name'), permission: 'readwrite' }) },
        [`The services' key to ${store.name}: read and write on this bucket only.`],
      ),
    );
  }
  return blocks;
}

/**
 * DigitalOcean's CDN serves Spaces buckets: the first managed bucket, under `cdn.<domain>` with a
 * Let's Encrypt certificate when the domain is DigitalOcean's.
 */
export function cdn(context: DoContext): Block[] {
  const infra = context.environment.infrastructure;
  const origin = context.environment.resources.find((resource) => resource.managed && resource.type === 'object-storage');
  if (!infra.cdn.enabled || !origin) return [];
  const id = label(origin.name);
  const domain = infra.dns.zone === 'digitalocean' ? infra.dns.domain : undefined;
  const blocks: Block[] = [];
  if (domain) {
    blocks.push(resource('digitalocean_certificate', 'cdn', { name: boundedName([context.name, 'cdn'], 63), type: 'lets_encrypt', domains: [`cdn.${domain}`], depends_on: [ref('digitalocean_domain.main')] }));
  }
  blocks.push(
    resource(
      'digitalocean_cdn',
      'main',
      {
        origin: ref('digitalocean_spaces_bucket', id, 'bucket_domain_name'),
        ttl: 3600,
        custom_domain: domain ? `cdn.${domain}` : undefined,
        certificate_name: domain ? ref('digitalocean_certificate.cdn.name') : undefined,
      },
      [`CDN in front of ${origin.name}: it serves only the objects the application makes public.`],
    ),
  );
  if (domain) {
    blocks.push(resource('digitalocean_record', 'cdn', { domain: ref('digitalocean_domain.main.id'), type: 'CNAME', name: 'cdn', value: call('format', '%s.', ref('digitalocean_cdn.main.endpoint')), ttl: 3600 }));
  }
  addOutput(context, 'cdn_endpoint', ref('digitalocean_cdn.main.endpoint'), 'CDN endpoint');
  return blocks;
}
