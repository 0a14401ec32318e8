import { BugError } from '../../src/core/errors.js';
import type { ConnectionField, ResolvedResource, ResourceType } from '../../src/model/index.js';
import { sqlAccount } from '../infrastructure-shared/naming.js';
import type { SecretEnv } from './plan.js';

/**
 * The embedded data stores a self-hosted Compose target runs beside its services when a resource
 * is not managed: images pinned to exact versions, where the data lives, how to tell the store is
 * up, and where the services find it. The account and credentials are the connection contract's
 * (the model's), so the store creates exactly what its clients log in with.
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
}

/**
 * Where a service finds the store on the Compose network (the contract's `embedded` address
 * sources): its Compose service, or MinIO's API there; undefined for any other field.
 */
export function embeddedAddress(resource: ResolvedResource, host: string, field: ConnectionField): string | undefined {
  if (field === 'host' && resource.type !== 'object-storage') return host;
  if (field === 'endpoint' && resource.type === 'object-storage') return `http://${host}:${minioPort}`;
  return undefined;
}

/** The secret one of the store's own credentials comes from: the one its clients read (the model decides it for every embedded store). */
export function ownCredential(resource: ResolvedResource, field: ConnectionField): string {
  const credential = resource.connection.credentials[field];
  if (credential === undefined) throw new BugError(`the embedded ${resource.type} "${resource.name}" has no ${field} in its connection`);
  return credential.secret;
}

export function storeSpec(resource: ResolvedResource): StoreSpec {
  switch (resource.type) {
    case 'postgres': {
      const account = sqlAccount(resource);
      return {
        family: 'sql',
        image: `postgres:${exactVersion(resource, 'postgres')}-alpine`,
        dataPath: '/var/lib/postgresql/data',
        environment: { POSTGRES_DB: account.database, POSTGRES_USER: account.username, PGDATA: '/var/lib/postgresql/data/pgdata' },
        secretEnv: [{ name: 'POSTGRES_PASSWORD', from: ownCredential(resource, 'password') }],
        healthcheck: ['CMD-SHELL', 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"'],
      };
    }
    case 'mysql': {
      const account = sqlAccount(resource);
      return {
        family: 'sql',
        image: `mysql:${exactVersion(resource, 'mysql')}`,
        dataPath: '/var/lib/mysql',
        environment: { MYSQL_DATABASE: account.database, MYSQL_USER: account.username, MYSQL_RANDOM_ROOT_PASSWORD: 'yes' },
        secretEnv: [{ name: 'MYSQL_PASSWORD', from: ownCredential(resource, 'password') }],
        // mysqladmin ping answers 0 once the server accepts connections, even before credentials are checked.
        healthcheck: ['CMD', 'mysqladmin', 'ping', '--host=127.0.0.1', '--silent'],
      };
    }
    case 'redis':
      return {
        family: 'redis',
        image: `redis:${exactVersion(resource, 'redis')}-alpine`,
        dataPath: '/data',
        // The password reaches redis-server from the container's environment, never from this file.
        command: ['sh', '-c', 'exec redis-server --appendonly yes --requirepass "$REDIS_PASSWORD"'],
        environment: {},
        secretEnv: [
          { name: 'REDIS_PASSWORD', from: ownCredential(resource, 'password') },
          { name: 'REDISCLI_AUTH', from: ownCredential(resource, 'password') },
        ],
        healthcheck: ['CMD-SHELL', 'redis-cli ping | grep -q PONG'],
      };
    case 'object-storage':
      return {
        family: 's3',
        image: minioImage,
        dataPath: '/data',
        command: ['server', '/data', '--address', `:${minioPort}`, '--console-address', ':9001'],
        environment: { MINIO_BROWSER: 'off' },
        secretEnv: [
          { name: 'MINIO_ROOT_USER', from: ownCredential(resource, 'access-key-id') },
          { name: 'MINIO_ROOT_PASSWORD', from: ownCredential(resource, 'secret-access-key') },
        ],
        healthcheck: ['CMD', 'mc', 'ready', 'local'],
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
      { name: 'STORE_USER', from: ownCredential(resource, 'access-key-id') },
      { name: 'STORE_PASSWORD', from: ownCredential(resource, 'secret-access-key') },
    ],
  };
}
