import { BugError } from '../../src/core/errors.js';
import type { ResolvedResource, ResourceType } from '../../src/model/index.js';
import type { SecretEnv } from './plan.js';

/**
 * The embedded data stores a self-hosted Compose target runs beside its services when a resource
 * is not managed: images pinned to exact versions, where the data lives, how to tell the store is
 * up, and the conventional variables (Laravel's, which the example's services use) through which
 * the services find and authenticate to it.
 */

/** Release lines we know an exact, current patch release for. A more specific version is used as given. */
const pinnedVersions: Record<Exclude<ResourceType, 'object-storage'>, { default: string; lines: Record<string, string> }> = {
  postgres: {
    default: '16',
    lines: { '12': '12.22', '13': '13.18', '14': '14.15', '15': '15.10', '16': '16.6', '17': '17.2' },
  },
  mysql: {
    default: '8.4',
    lines: { '5.7': '5.7.44', '8': '8.4.3', '8.0': '8.0.40', '8.4': '8.4.3', '9': '9.1.0', '9.1': '9.1.0' },
  },
  redis: {
    default: '7.2',
    lines: { '6': '6.2.16', '6.2': '6.2.16', '7': '7.4.1', '7.0': '7.0.15', '7.2': '7.2.6', '7.4': '7.4.1' },
  },
};

const minioImage = 'minio/minio:RELEASE.2024-12-18T13-15-44Z';
const minioClientImage = 'minio/mc:RELEASE.2024-11-21T17-21-54Z';
const minioPort = 9000;
/** The edge proxy Slipway adds when a target has routed services but no `proxy` service of its own. */
export const edgeNginxImage = 'nginx:1.27.3-alpine';
/** Small image the update script tars volumes with; pulled at install so updates need no new download. */
export const toolsImage = 'busybox:1.37.0';

function resolveVersion(resource: Pick<ResolvedResource, 'version'>, type: keyof typeof pinnedVersions): string | undefined {
  const table = pinnedVersions[type];
  const asked = resource.version ?? table.default;
  const pinned = table.lines[asked];
  if (pinned) return pinned;
  if (Object.keys(table.lines).some((line) => asked.startsWith(`${line}.`))) return asked;
  return undefined;
}

/** Why a resource cannot run embedded on Compose, or undefined when it can (the compose check reports it at its source). */
export function composeStoreProblem(resource: Pick<ResolvedResource, 'type' | 'version'>): string | undefined {
  if (resource.type === 'object-storage' || resolveVersion(resource, resource.type) !== undefined) return undefined;
  const lines = Object.keys(pinnedVersions[resource.type].lines).sort();
  return `Slipway cannot run ${resource.type} ${resource.version} embedded on Compose; supported: ${lines.join(', ')}, or an exact release of one of those lines`;
}

function exactVersion(resource: ResolvedResource, type: keyof typeof pinnedVersions): string {
  const version = resolveVersion(resource, type);
  if (version === undefined) throw new BugError(`resource "${resource.name}": ${composeStoreProblem(resource)}; the compose check should have reported it`);
  return version;
}

export type StoreFamily = 'sql' | 'redis' | 's3';

export interface StoreSpec {
  family: StoreFamily;
  image: string;
  dataPath: string;
  command?: string[];
  /** Plain settings of the store's own container. */
  environment: Record<string, string>;
  /** The store's own variables filled from secrets at install time: variable ← secret name. The secrets are its credentials, which the services using it share. */
  secretEnv: SecretEnv[];
  healthcheck: string[];
  /** Variables that tell a service where the store is, unless the service sets them itself. */
  connectionEnv: (host: string) => Record<string, string>;
}

/** What the services call the schema and the account (from their env), defaulting to the resource's name. */
export interface StoreAccount {
  database: string;
  username: string;
}

/** Where a SQL store is and which schema and account the services use there. */
function sqlConnection(port: number, account: StoreAccount): StoreSpec['connectionEnv'] {
  return (host) => ({ DB_HOST: host, DB_PORT: String(port), DB_DATABASE: account.database, DB_USERNAME: account.username });
}

export function storeSpec(resource: ResolvedResource, account: StoreAccount): StoreSpec {
  // The secrets the store's own credentials come from: the ones its clients read (the connection contract).
  const credential = (field: 'password' | 'access-key-id' | 'secret-access-key', conventional: string) => resource.connection.credentials[field] ?? conventional;
  switch (resource.type) {
    case 'postgres':
      return {
        family: 'sql',
        image: `postgres:${exactVersion(resource, 'postgres')}-alpine`,
        dataPath: '/var/lib/postgresql/data',
        environment: { POSTGRES_DB: account.database, POSTGRES_USER: account.username, PGDATA: '/var/lib/postgresql/data/pgdata' },
        secretEnv: [{ name: 'POSTGRES_PASSWORD', from: credential('password', 'DB_PASSWORD') }],
        healthcheck: ['CMD-SHELL', 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"'],
        connectionEnv: sqlConnection(5432, account),
      };
    case 'mysql':
      return {
        family: 'sql',
        image: `mysql:${exactVersion(resource, 'mysql')}`,
        dataPath: '/var/lib/mysql',
        environment: { MYSQL_DATABASE: account.database, MYSQL_USER: account.username, MYSQL_RANDOM_ROOT_PASSWORD: 'yes' },
        secretEnv: [{ name: 'MYSQL_PASSWORD', from: credential('password', 'DB_PASSWORD') }],
        // mysqladmin ping answers 0 once the server accepts connections, even before credentials are checked.
        healthcheck: ['CMD', 'mysqladmin', 'ping', '--host=127.0.0.1', '--silent'],
        connectionEnv: sqlConnection(3306, account),
      };
    case 'redis':
      return {
        family: 'redis',
        image: `redis:${exactVersion(resource, 'redis')}-alpine`,
        dataPath: '/data',
        // The password reaches redis-server from the container's environment, never from this file.
        command: ['sh', '-c', 'exec redis-server --appendonly yes --requirepass "$REDIS_PASSWORD"'],
        environment: {},
        secretEnv: [
          { name: 'REDIS_PASSWORD', from: credential('password', 'REDIS_PASSWORD') },
          { name: 'REDISCLI_AUTH', from: credential('password', 'REDIS_PASSWORD') },
        ],
        healthcheck: ['CMD-SHELL', 'redis-cli ping | grep -q PONG'],
        connectionEnv: (host) => ({ REDIS_HOST: host, REDIS_PORT: '6379' }),
      };
    case 'object-storage':
      return {
        family: 's3',
        image: minioImage,
        dataPath: '/data',
        command: ['server', '/data', '--address', `:${minioPort}`, '--console-address', ':9001'],
        environment: { MINIO_BROWSER: 'off' },
        secretEnv: [
          { name: 'MINIO_ROOT_USER', from: credential('access-key-id', 'AWS_ACCESS_KEY_ID') },
          { name: 'MINIO_ROOT_PASSWORD', from: credential('secret-access-key', 'AWS_SECRET_ACCESS_KEY') },
        ],
        healthcheck: ['CMD', 'mc', 'ready', 'local'],
        connectionEnv: (host) => ({
          AWS_ENDPOINT: `http://${host}:${minioPort}`,
          AWS_USE_PATH_STYLE_ENDPOINT: 'true',
          AWS_BUCKET: resource.name,
          AWS_DEFAULT_REGION: 'us-east-1',
        }),
      };
  }
}

/** A one-shot that creates the bucket (MinIO starts without any); credentials and names come from its environment. */
export function bucketInit(storeHost: string, resource: ResolvedResource): { image: string; command: string[]; environment: Record<string, string>; secretEnv: SecretEnv[] } {
  const bucket = resource.name;
  return {
    image: minioClientImage,
    command: ['sh', '-c', 'mc alias set store "$STORE_URL" "$STORE_USER" "$STORE_PASSWORD" && mc mb --ignore-existing "store/$STORE_BUCKET"'],
    environment: { STORE_URL: `http://${storeHost}:${minioPort}`, STORE_BUCKET: bucket },
    secretEnv: [
      { name: 'STORE_USER', from: resource.connection.credentials['access-key-id'] ?? 'AWS_ACCESS_KEY_ID' },
      { name: 'STORE_PASSWORD', from: resource.connection.credentials['secret-access-key'] ?? 'AWS_SECRET_ACCESS_KEY' },
    ],
  };
}
