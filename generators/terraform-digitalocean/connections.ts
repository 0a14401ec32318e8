import { BugError } from '../../src/core/errors.js';
import { encodeUrlText } from '../../src/core/url.js';
import { call, nested, provider, ref, resource, type Block, type Expression, type ObjectValue } from '../../src/core/hcl/index.js';
import type { ConnectionField, ResolvedResource } from '../../src/model/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { urlEncoded } from '../infrastructure-shared/terraform.js';
import type { DoContext } from './context.js';
import { digitalOceanInfraSecrets, infraSecretsSecret } from './infra-secrets.js';

/** The Kubernetes provider Slipway's DigitalOcean configurations write the namespace's Secrets with. */
export const kubernetesProviderVersion = '2.38.0';

/**
 * How the services on DOKS reach the managed stores (SPEC §8, the connection contract).
 * DigitalOcean has no secret manager a cluster can read, so Terraform writes each store's outputs
 * (hosts, ports, the passwords DigitalOcean generates, Spaces keys) straight into a Kubernetes
 * Secret of the target's namespace, named as the model's `delivery.kubernetesSecret`, which the
 * chart reads.
 */
function connectionStores(context: DoContext): ResolvedResource[] {
  if (context.environment.infrastructure.compute.platform !== 'doks') return [];
  return context.environment.resources.filter((store) => store.connection.delivery.kind === 'terraform-kubernetes-secret' && store.connection.outputs.length > 0);
}

/** Whether Terraform writes any Secret into the cluster: a store's connection, or the `do:` infra secrets. */
export function writesKubernetesSecrets(context: DoContext): boolean {
  return connectionStores(context).length > 0 || digitalOceanInfraSecrets(context.environment).length > 0;
}

/**
 * The Kubernetes provider, pointed at the cluster this configuration creates. On every refresh the
 * DigitalOcean provider fetches new cluster credentials when the stored ones have expired, so the
 * token is current whenever a plan needs it.
 */
export function kubernetesProvider(): Block {
  const cluster = ref('digitalocean_kubernetes_cluster.main');
  return provider('kubernetes', {
    host: cluster.get('endpoint'),
    token: cluster.get('kube_config').at(0).get('token'),
    cluster_ca_certificate: call('base64decode', cluster.get('kube_config').at(0).get('cluster_ca_certificate')),
  });
}

/** The store's attribute that answers one field of the contract, as a string. */
function connectionValue(context: DoContext, store: ResolvedResource, field: ConnectionField): Expression {
  const id = label(store.name);
  const sql = store.type === 'postgres' || store.type === 'mysql';
  const cluster = ref('digitalocean_database_cluster', id);
  const bucket = ref('digitalocean_spaces_bucket', id);
  const key = ref('digitalocean_spaces_key', id);
  if (store.type !== 'object-storage') {
    if (field === 'url') return connectionUrl(context, store);
    if (field === 'host') return cluster.get('private_host');
    if (field === 'port') return call('tostring', cluster.get('port'));
    // SQL: the services' own user; Valkey: the cluster's one password.
    if (field === 'password') return sql ? ref('digitalocean_database_user', id, 'password') : cluster.get('password');
  } else {
    if (field === 'bucket') return bucket.get('name');
    // The regional endpoint (`https://fra1.digitaloceanspaces.com`): S3 clients put the bucket in front themselves.
    if (field === 'endpoint') return call('format', 'https://%s', bucket.get('endpoint'));
    if (field === 'region') return bucket.get('region');
    if (field === 'access-key-id') return key.get('access_key');
    if (field === 'secret-access-key') return key.get('secret_key');
  }
  throw new BugError(`${context.name}: DigitalOcean has no ${field} for ${store.type} resource ${store.name}`);
}

/**
 * The URL form, over the private network: the services' own user (its password percent-encoded)
 * and database; TLS only, as DigitalOcean's managed stores require it (their own `uri` has the same
 * query).
 */
function connectionUrl(context: DoContext, store: ResolvedResource): Expression {
  const cluster = ref('digitalocean_database_cluster', label(store.name));
  const address = [cluster.get('private_host'), call('tostring', cluster.get('port'))];
  const account = store.connection.account;
  if (store.type === 'redis') return call('format', 'rediss://:%s@%s:%s', urlEncoded(connectionValue(context, store, 'password')), ...address);
  if (!account) throw new BugError(`${context.name}: the SQL store ${store.name} has no account`);
  const [scheme, query] = store.type === 'postgres' ? ['postgresql', '?sslmode=require'] : ['mysql', '?ssl-mode=REQUIRED'];
  return call('format', `${scheme}://%s:%s@%s:%s/%s${query}`, encodeUrlText(account.username), urlEncoded(connectionValue(context, store, 'password')), ...address, encodeUrlText(account.database));
}

/**
 * The namespace, one Secret per store holding exactly its `connection.outputs`, and `infra-secrets`
 * for the `do:` infra secrets the pods read (./infra-secrets.ts).
 *
 * The namespace is also in the reconciler's manifests (k8s/namespace.yaml), but Terraform runs
 * first: it creates the cluster the reconciler is then bootstrapped into, so on the first apply
 * nothing else could have created the namespace yet and the Secrets would have nowhere to go.
 * Terraform therefore creates it when absent and leaves its labels and annotations alone
 * (`ignore_changes`), which are the reconciler's: Flux or Argo CD then applies namespace.yaml over
 * it, and neither side ever undoes the other's change.
 */
export function connectionSecrets(context: DoContext): Block[] {
  if (!writesKubernetesSecrets(context)) return [];
  const stores = connectionStores(context);
  const namespace = context.environment.infrastructure.namespace;
  const namespaceName = ref('kubernetes_namespace_v1.main.metadata').at(0).get('name');
  const blocks: Block[] = [
    resource(
      'kubernetes_namespace_v1',
      'main',
      {
        metadata: nested({ name: namespace }),
        lifecycle: nested({ ignore_changes: [ref('metadata').at(0).get('labels'), ref('metadata').at(0).get('annotations')] }),
      },
      [`Namespace ${namespace}, shared with the reconciler (k8s/namespace.yaml): Terraform only makes sure it exists before the Secrets below.`],
    ),
  ];
  for (const store of stores) {
    const delivery = store.connection.delivery;
    if (delivery.kind !== 'terraform-kubernetes-secret') throw new BugError(`${context.name}: ${store.name} is not delivered as a Kubernetes Secret`);
    const data: ObjectValue = Object.fromEntries(store.connection.outputs.map((field) => [field, connectionValue(context, store, field)]));
    blocks.push(
      resource(
        'kubernetes_secret_v1',
        `connection_${label(store.name)}`,
        {
          metadata: nested({
            name: delivery.kubernetesSecret,
            namespace: namespaceName,
            labels: { 'app.kubernetes.io/managed-by': 'terraform' },
          }),
          type: 'Opaque',
          data,
        },
        [`How the services reach ${store.name}: ${store.connection.outputs.join(', ')}.`],
      ),
    );
  }
  blocks.push(...infraSecretsSecret(context, namespaceName));
  return blocks;
}
