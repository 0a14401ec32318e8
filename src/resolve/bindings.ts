import { compareText } from '../core/diagnostics.js';
import { BugError } from '../core/errors.js';
import { oncePerObject } from '../core/once-per-object.js';
import { encodeUrlText } from '../core/url.js';
import type {
  ConnectionField,
  ConnectionSource,
  ConnectionVariable,
  EnvironmentSecrets,
  Provider,
  ResolvedResource,
  ResolvedService,
  ResourceConnection,
  ResourceDependency,
  ResourceType,
  ResourceVariable,
  Runtime,
  UrlPart,
} from '../model/index.js';
import { spacesRegion } from './digitalocean.js';

/**
 * The connection contract (SPEC §8): per resource type, the variables a service receives and the
 * names it receives them under, identical on every target. Where each value comes from is decided
 * below, per target; the generators only render it.
 */
export const connectionContract: Readonly<Record<ResourceType, ReadonlyArray<{ field: ConnectionField; name: string; secret: boolean }>>> = {
  postgres: sqlContract(),
  mysql: sqlContract(),
  redis: [
    { field: 'host', name: 'REDIS_HOST', secret: false },
    { field: 'port', name: 'REDIS_PORT', secret: false },
    { field: 'password', name: 'REDIS_PASSWORD', secret: true },
    { field: 'scheme', name: 'REDIS_SCHEME', secret: false },
    // The form most Redis clients (redis-py, ioredis, go-redis, Sidekiq, Laravel) take as one setting.
    { field: 'url', name: 'REDIS_URL', secret: true },
  ],
  'object-storage': [
    { field: 'bucket', name: 'AWS_BUCKET', secret: false },
    { field: 'region', name: 'AWS_DEFAULT_REGION', secret: false },
    { field: 'endpoint', name: 'AWS_ENDPOINT', secret: false },
    { field: 'path-style', name: 'AWS_USE_PATH_STYLE_ENDPOINT', secret: false },
    { field: 'access-key-id', name: 'AWS_ACCESS_KEY_ID', secret: true },
    { field: 'secret-access-key', name: 'AWS_SECRET_ACCESS_KEY', secret: true },
  ],
};

function sqlContract(): Array<{ field: ConnectionField; name: string; secret: boolean }> {
  return [
    { field: 'host', name: 'DB_HOST', secret: false },
    { field: 'port', name: 'DB_PORT', secret: false },
    { field: 'database', name: 'DB_DATABASE', secret: false },
    { field: 'username', name: 'DB_USERNAME', secret: false },
    { field: 'password', name: 'DB_PASSWORD', secret: true },
    // The form Rails, Django (dj-database-url), Prisma, SQLAlchemy and Laravel take as one setting.
    { field: 'url', name: 'DATABASE_URL', secret: true },
  ];
}

/** The URL scheme of each store, as the URL forms spell it. */
function urlScheme(type: ResourceType, placement: Placement): string {
  if (type === 'redis') return placement === 'embedded' ? 'redis' : 'rediss';
  return type === 'postgres' ? 'postgresql' : 'mysql';
}


const defaultPorts: Record<ResourceType, string | undefined> = { postgres: '5432', mysql: '3306', redis: '6379', 'object-storage': undefined };

/** Where a resource runs on this target, which decides every source. */
export type Placement = 'embedded' | 'aws' | 'digitalocean' | 'unwired';

/**
 * A managed resource runs in the provider's cloud and reaches Kubernetes and ECS workloads through
 * what Terraform writes; an unmanaged one runs beside the services on Compose and Kubernetes.
 * Anything else (a managed store for a Compose host, an embedded one on ECS) cannot be wired yet,
 * and the wiring rule says so at the line that asks for it.
 */
export function placementOf(resource: Pick<ResolvedResource, 'managed'>, provider: Provider, runtime: Runtime): Placement {
  if (!resource.managed) return runtime === 'ecs' ? 'unwired' : 'embedded';
  if (runtime === 'compose' || provider === 'bare-metal') return 'unwired';
  return provider === 'aws' ? 'aws' : runtime === 'kubernetes' ? 'digitalocean' : 'unwired';
}

/** The generated secret that holds a resource's password or key, if the environment generates one: `<NAME>_<SUFFIX>`, else the contract's own name. */
function generatedSecretFor(resource: Pick<ResolvedResource, 'name' | 'usedBy'>, contractName: string, secrets: EnvironmentSecrets): string | undefined {
  const suffix = contractName.replace(/^(DB|REDIS|AWS)_/, '');
  const candidates = [`${resource.name.toUpperCase().replace(/-/g, '_')}_${suffix}`, contractName];
  const usable = new Set(secrets.generated.filter((secret) => secret.services.some((service) => resource.usedBy.includes(service))).map((secret) => secret.name));
  return candidates.find((name) => usable.has(name));
}

/** How the managed resource's outputs travel, and which fields the infrastructure writes. */
export function resourceConnection(
  resource: Omit<ResolvedResource, 'connection'>,
  users: readonly ResolvedService[],
  environment: { name: string; provider: Provider; runtime: Runtime; region: string | undefined },
  secrets: EnvironmentSecrets,
): ResourceConnection {
  const placement = placementOf(resource, environment.provider, environment.runtime);
  const first = (key: string) => users.map((user) => user.env[key]).find((value): value is string => value !== undefined && value !== '');
  // An identifier every SQL engine and managed offering accepts unquoted (RDS refuses a dash).
  const fallback = resource.name.replace(/-/g, '_');
  const account = resource.type === 'postgres' || resource.type === 'mysql' ? { database: first('DB_DATABASE') ?? fallback, username: first('DB_USERNAME') ?? fallback } : undefined;
  const workloadIdentity = resource.type === 'object-storage' && placement === 'aws';
  // Each entry's source is decided once here; every service using the resource reads it from the model.
  // An unwired resource gives nothing: the wiring rule reports it where it is asked for.
  const variables: ResourceVariable[] = [];
  for (const entry of placement === 'unwired' ? [] : connectionContract[resource.type]) {
    // An embedded store's URL form is made of the entries before it (the contract lists it last).
    const source: ConnectionSource | { kind: 'none' } =
      entry.field === 'url' && placement === 'embedded'
        ? { kind: 'composed', parts: urlParts(resource.type, placement, variables, account) }
        : sourceOf(resource, entry, placement, secrets, account, environment.region);
    if (source.kind !== 'none') variables.push({ field: entry.field, contractName: entry.name, secret: entry.secret, source });
  }
  const outputs = variables.filter((variable) => variable.source.kind === 'infrastructure').map((variable) => variable.field).sort(compareText);
  const kubernetesSecret = `${resource.name}-connection`;
  const secretName = `${environment.name}/${resource.name}/connection`;
  const delivery: ResourceConnection['delivery'] =
    placement === 'aws' && environment.runtime === 'ecs'
      ? { kind: 'terraform-reference', secretName }
      : placement === 'aws'
        ? { kind: 'aws-secrets-manager', secretName, kubernetesSecret }
        : placement === 'digitalocean'
          ? { kind: 'terraform-kubernetes-secret', kubernetesSecret }
          : { kind: 'embedded' };
  // An embedded store's own credentials: the generated secret its clients read, else the name the runtime makes it under.
  const credentials: ResourceConnection['credentials'] = {};
  if (placement === 'embedded') {
    for (const variable of variables.filter((candidate) => candidate.secret && candidate.field !== 'url')) {
      credentials[variable.field] =
        variable.source.kind === 'generated-secret' ? { secret: variable.source.secret, generated: true } : { secret: variable.contractName, generated: false };
    }
  }
  return { variables, delivery, outputs, account, workloadIdentity, credentials };
}

/**
 * `scheme://user:password@host:port/database` (SQL) or `scheme://:password@host:port` (Redis):
 * a field whose value is known here goes in as percent-encoded text, the others as the variable
 * that carries them, which the runtime splices in.
 */
function urlParts(type: ResourceType, placement: Placement, variables: readonly ResourceVariable[], account: ResourceConnection['account']): UrlPart[] {
  const parts: UrlPart[] = [];
  const text = (value: string) => {
    const last = parts[parts.length - 1];
    if (last && 'text' in last) last.text += value;
    else parts.push({ text: value });
  };
  const field = (name: ConnectionField) => {
    const variable = variables.find((candidate) => candidate.field === name);
    if (!variable) throw new BugError(`the ${type} contract has no ${name} for its URL`);
    if (variable.source.kind === 'literal') text(encodeUrlText(variable.source.value));
    else parts.push({ field: name, variable: variable.contractName });
  };
  text(`${urlScheme(type, placement)}://`);
  if (account) text(encodeUrlText(account.username));
  text(':');
  field('password');
  text('@');
  field('host');
  text(':');
  field('port');
  if (account) text(`/${encodeUrlText(account.database)}`);
  return parts;
}

/**
 * The value of one contract entry on this target, or `none` when the target gives it no variable
 * at all (an endpoint on AWS without a known region).
 */
function sourceOf(
  resource: Omit<ResolvedResource, 'connection'>,
  entry: { field: ConnectionField; name: string },
  placement: Placement,
  secrets: EnvironmentSecrets,
  account: ResourceConnection['account'],
  region: string | undefined,
): ConnectionSource | { kind: 'none' } {
  const literal = (value: string): ConnectionSource => ({ kind: 'literal', value });
  const infrastructure: ConnectionSource = { kind: 'infrastructure', resource: resource.name };
  const generated = generatedSecretFor(resource, entry.name, secrets);
  switch (entry.field) {
    case 'host':
      return placement === 'embedded' ? { kind: 'embedded', resource: resource.name } : infrastructure;
    case 'port':
      return placement === 'embedded' ? literal(defaultPorts[resource.type]!) : infrastructure;
    case 'database':
      return literal(account!.database);
    case 'username':
      return literal(account!.username);
    case 'password':
      // AWS takes the SOPS-generated password as a Terraform variable; DigitalOcean makes its own.
      if (placement === 'digitalocean') return infrastructure;
      if (generated) return { kind: 'generated-secret', secret: generated };
      return placement === 'embedded' ? { kind: 'embedded', resource: resource.name } : infrastructure;
    case 'bucket':
      return placement === 'embedded' ? literal(resource.name) : infrastructure;
    case 'region':
      if (placement === 'embedded') return literal('us-east-1');
      // DigitalOcean: the Spaces region the bucket is made in, which may be the nearest one to the target's.
      if (placement === 'digitalocean') return literal(spacesRegion(region));
      return region !== undefined ? literal(region) : infrastructure;
    case 'endpoint':
      // S3's regional endpoint: the same variable as everywhere, pointing where the SDK would go anyway.
      if (placement === 'aws') return region !== undefined ? literal(`https://s3.${region}.amazonaws.com`) : { kind: 'none' };
      return placement === 'embedded' ? { kind: 'embedded', resource: resource.name } : infrastructure;
    case 'url':
      // A managed store's: Terraform writes the whole URL, the password percent-encoded (an embedded one's is composed above).
      return infrastructure;
    case 'scheme':
      // Managed Redis (ElastiCache with transit encryption, DigitalOcean's) only speaks TLS; the embedded one plain TCP on a private network.
      return literal(placement === 'embedded' ? 'tcp' : 'tls');
    case 'path-style':
      return literal(placement === 'embedded' ? 'true' : 'false');
    case 'access-key-id':
    case 'secret-access-key':
      if (placement === 'aws') return { kind: 'workload-identity', resource: resource.name };
      if (placement === 'digitalocean') return infrastructure;
      return generated ? { kind: 'generated-secret', secret: generated } : { kind: 'embedded', resource: resource.name };
  }
}

/**
 * Every connection variable one service receives, sorted by name. Names the service sets itself in
 * `env` stay its own (an explicit choice wins); a declared secret of the same name as a generated
 * source is the same value, and is then delivered once, as the connection's.
 */
export function serviceConnections(service: ResolvedService, declarations: readonly ResourceDependency[], resources: readonly ResolvedResource[]): ConnectionVariable[] {
  const variables: ConnectionVariable[] = [];
  for (const declaration of declarations) {
    const resource = resources.find((candidate) => candidate.name === declaration.name);
    if (!resource || variables.some((variable) => variable.resource === resource.name)) continue;
    const nameOf = (contractName: string) => declaration.env?.names?.[contractName] ?? `${declaration.env?.prefix ?? ''}${contractName}`;
    for (const entry of resource.connection.variables) {
      const name = nameOf(entry.contractName);
      if (service.env[name] !== undefined) continue;
      const renamed = name !== entry.contractName || (entry.source.kind === 'composed' && entry.source.parts.some((part) => 'variable' in part && nameOf(part.variable) !== part.variable));
      if (!renamed) {
        variables.push(unrenamedVariables(resource).get(entry)!);
        continue;
      }
      // A URL's spliced parts name the variables as this service receives them.
      const source: ConnectionSource =
        entry.source.kind === 'composed' ? { kind: 'composed', parts: entry.source.parts.map((part) => ('text' in part ? part : { field: part.field, variable: nameOf(part.variable) })) } : entry.source;
      variables.push({ name, contractName: entry.contractName, resource: resource.name, field: entry.field, secret: entry.secret, source });
    }
  }
  return variables.sort((a, b) => compareText(a.name, b.name));
}

/**
 * The variables of a resource's contract as a service receives them under the contract's names:
 * one object per entry, shared by every service of the target that receives it so. Most services
 * rename nothing, and a model (and the job that carries it to a render worker) held one copy per
 * service of each.
 */
const unrenamedVariables = oncePerObject(
  (resource: ResolvedResource) =>
    new Map<ResourceVariable, ConnectionVariable>(
      resource.connection.variables.map((entry) => [entry, { name: entry.contractName, contractName: entry.contractName, resource: resource.name, field: entry.field, secret: entry.secret, source: entry.source }]),
    ),
);
