import { compareText } from '../../src/core/diagnostics.js';
import { BugError } from '../../src/core/errors.js';
import { oncePerObject } from '../../src/core/once-per-object.js';
import type { ResolvedEnvironment, ResolvedResource, ResolvedService } from '../../src/model/index.js';
import { composeCpus, composeMemory } from './quantities.js';
import { edgeParts, edgePlan, httpCheck, routesFor } from './edge.js';
import { composedUrl, plainValue, secretSource, type SecretEnv } from './connections.js';
import { bucketInit, edgeNginxImage, storeSpec, type StoreSpec } from './stores.js';
import { composeOptionParts } from './options.js';

/**
 * Everything the Compose file, the nginx config and the bundle's scripts say about one target,
 * decided once from the resolved model. The three outputs only render this plan, so they cannot
 * disagree about a service's name, its secrets or what waits for what.
 */

export type Condition = 'service_healthy' | 'service_started' | 'service_completed_successfully';
export type ServiceKind = 'app' | 'edge' | 'store' | 'store-init' | 'migration' | 'seed' | 'ai-gateway' | 'init' | 'sidecar';

export type { SecretEnv } from './connections.js';

export interface ComposeService {
  name: string;
  kind: ServiceKind;
  image: string;
  entrypoint?: string[];
  command?: string[];
  environment: Record<string, string>;
  /** Name of the env file (`env/<name>.env`, written by install.sh) this service reads its secrets from. */
  envFile?: string;
  healthcheck?: string[];
  dependsOn: Record<string, Condition>;
  replicas?: number;
  restart: 'unless-stopped' | 'no';
  limits?: { cpus?: number; memory?: string };
  gpus?: number;
  volumes: string[];
  ports: string[];
  networks: string[];
  /** Extra labels (service options); Slipway's own label wins. */
  labels?: Record<string, string>;
  /** `uid[:gid]` the processes run as (securityContext). */
  user?: string;
  readOnly?: boolean;
  /** Only `docker compose run` starts a service in a profile (a scheduled one). */
  profiles?: string[];
}

export interface Route {
  upstream: string;
  port: number;
  path: string;
  websocket: boolean;
}

export interface EdgePlan {
  service: string;
  httpPorts: number[];
  httpsPort: number;
  serverName: string | undefined;
  healthPath: string;
  routes: Route[];
  clientMaxBodySize: string;
  workerProcesses: string;
}

export interface SecretSources {
  /** Names held by the encrypted env file (secrets.sops.env). */
  sops: string[];
  /** Names the infrastructure holds, with their reference (`env:VAR`, an ARN, …). */
  infra: Array<{ name: string; reference: string | null }>;
  /** Store credentials nobody declared: install.sh generates them once on the host. */
  install: Array<{ name: string; bytes: number }>;
}

export interface ComposePlan {
  project: string;
  services: ComposeService[];
  volumes: string[];
  networks: Array<{ name: string; internal: boolean }>;
  edge: EdgePlan | undefined;
  /** Per env file: the variables it holds and the secret each comes from. */
  envFiles: Record<string, SecretEnv[]>;
  /** Files shipped beside the Compose file (config files services mount), by path inside compose/. */
  files: Array<{ path: string; content: string }>;
  secrets: SecretSources;
  databases: Array<{ service: string; type: 'postgres' | 'mysql' }>;
  logging: { driver: string; options: Record<string, string> };
  notes: Record<string, string>;
}

const appNetwork = 'app';
const dataNetwork = 'data';

interface EmbeddedStore {
  resource: ResolvedResource;
  service: string;
  spec: StoreSpec;
  init?: string;
}

/**
 * The Compose project of a model, worked out once: the compose and bundle generators render from
 * the same plan (and the override's check judges against it); the model does not change after resolve.
 */
export const composePlan: (model: ResolvedEnvironment) => ComposePlan = oncePerObject(planOf);

function planOf(model: ResolvedEnvironment): ComposePlan {
  const taken = new Set(model.services.map((service) => service.name));
  const allocate = (base: string): string => {
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}-${n}`;
    taken.add(name);
    return name;
  };

  const stores = embeddedStores(model, allocate);
  const storeOf = new Map(stores.map((store) => [store.resource.name, store]));
  const envFiles: Record<string, SecretEnv[]> = {};
  const out: ComposeService[] = [];

  const proxy = model.services.find((service) => service.role === 'proxy');
  const routes = routesFor(model, proxy);
  const edgeName = proxy ? proxy.name : routes.length > 0 ? allocate('nginx') : undefined;
  const healthy = new Set(model.services.filter((service) => service.health).map((service) => service.name));
  const startedOrHealthy = (name: string): Condition => (healthy.has(name) ? 'service_healthy' : 'service_started');

  // One-shots first: app services wait for them, so their names must be known.
  const waits = new Map<string, Record<string, Condition>>();
  const waitFor = (service: string, oneShot: string) => {
    const current = waits.get(service) ?? {};
    current[oneShot] = 'service_completed_successfully';
    waits.set(service, current);
  };
  const sqlOf = (service: ResolvedService) => service.usesResources.filter((name) => ['postgres', 'mysql'].includes(model.resources.find((r) => r.name === name)?.type ?? ''));

  for (const store of stores) {
    out.push(storeService(store));
    if (store.init) {
      const init = bucketInit(store.service, store.resource);
      envFiles[store.init] = init.secretEnv;
      out.push({
        name: store.init,
        kind: 'store-init',
        image: init.image,
        entrypoint: init.command,
        environment: init.environment,
        envFile: store.init,
        dependsOn: { [store.service]: 'service_healthy' },
        restart: 'no',
        volumes: [],
        ports: [],
        networks: [dataNetwork],
      });
      for (const user of store.resource.usedBy) waitFor(user, store.init);
    }
    envFiles[store.service] = store.spec.secretEnv;
  }

  const apps = new Map(model.services.map((service) => [service.name, appService(service, model, storeOf)]));
  for (const [name, app] of apps) envFiles[name] = app.secretEnv;
  const optionVolumes: string[] = [];
  const files: ComposePlan['files'] = [];
  for (const service of model.services) {
    const parts = composeOptionParts(apps.get(service.name)!.service, service, allocate);
    apps.get(service.name)!.service = parts.service;
    out.push(...parts.extras);
    for (const [name, condition] of Object.entries(parts.waitsFor)) waits.set(service.name, { ...waits.get(service.name), [name]: condition });
    optionVolumes.push(...parts.volumes);
    files.push(...parts.files);
  }

  const oneShots: ComposeService[] = [];
  for (const service of model.services) {
    const migrations = service.migrations;
    const seed = service.seed;
    if (!migrations && !seed) continue;
    const sql = new Set(sqlOf(service));
    const waiters = model.services.filter((other) => other.name === service.name || sqlOf(other).some((name) => sql.has(name)));
    const base = apps.get(service.name)!.service;
    const storeDeps = storeDependencies(service, storeOf);
    let migrate: string | undefined;
    if (migrations) {
      migrate = allocate(`${service.name}-migrate`);
      oneShots.push({ ...oneShot(base, migrate, 'migration', migrations.command), dependsOn: storeDeps });
      for (const waiter of waiters) waitFor(waiter.name, migrate);
    }
    if (seed) {
      const name = allocate(`${service.name}-seed`);
      oneShots.push({ ...oneShot(base, name, 'seed', seed.command), dependsOn: { ...storeDeps, ...(migrate ? { [migrate]: 'service_completed_successfully' as const } : {}) } });
      for (const waiter of waiters) waitFor(waiter.name, name);
    }
  }

  const upstreams = routes.map((route) => route.upstream);
  for (const service of model.services) {
    const isEdge = service.name === edgeName;
    const dependsOn: Record<string, Condition> = { ...storeDependencies(service, storeOf), ...(waits.get(service.name) ?? {}) };
    for (const dependency of [...service.dependsOn, ...(isEdge ? upstreams : [])]) dependsOn[dependency] = startedOrHealthy(dependency);
    out.push({ ...apps.get(service.name)!.service, dependsOn, ...(isEdge ? edgeParts(model, proxy) : {}) });
  }
  out.push(...oneShots);

  if (edgeName && !proxy) {
    out.push({
      name: edgeName,
      kind: 'edge',
      image: edgeNginxImage,
      environment: {},
      healthcheck: httpCheck(80, '/nginx-health'),
      dependsOn: Object.fromEntries(upstreams.map((upstream) => [upstream, startedOrHealthy(upstream)])),
      replicas: 1,
      restart: 'unless-stopped',
      networks: [appNetwork],
      ...edgeParts(model, proxy),
    });
  }

  if (model.infrastructure.aiGateway) {
    out.push({
      name: allocate('ai-gateway'),
      kind: 'ai-gateway',
      image: model.infrastructure.aiGateway.image,
      environment: {},
      dependsOn: {},
      replicas: 1,
      restart: 'unless-stopped',
      volumes: [],
      ports: [],
      networks: [appNetwork],
    });
  }

  out.sort((a, b) => compareText(a.name, b.name));
  return {
    project: model.infrastructure.namespace,
    services: out,
    volumes: [...stores.map((store) => `${store.service}-data`), ...optionVolumes].sort(compareText),
    networks: [{ name: appNetwork, internal: false }, ...(stores.length > 0 ? [{ name: dataNetwork, internal: true }] : [])],
    edge: edgeName ? edgePlan(model, edgeName, proxy, routes) : undefined,
    envFiles: Object.fromEntries(Object.entries(envFiles).filter(([, entries]) => entries.length > 0).sort(([a], [b]) => compareText(a, b))),
    files,
    secrets: secretSources(model, envFiles),
    databases: stores
      .filter((store) => store.resource.type === 'postgres' || store.resource.type === 'mysql')
      .map((store) => ({ service: store.service, type: store.resource.type as 'postgres' | 'mysql' })),
    logging: loggingFor(model),
    notes: notesFor(model, stores),
  };
}

function embeddedStores(model: ResolvedEnvironment, allocate: (base: string) => string): EmbeddedStore[] {
  return model.resources
    .filter((resource) => !resource.managed)
    .map((resource) => {
      const service = allocate(resource.name);
      const spec = storeSpec(resource);
      return { resource, service, spec, ...(spec.family === 's3' ? { init: allocate(`${service}-init`) } : {}) };
    });
}

function storeService(store: EmbeddedStore): ComposeService {
  return {
    name: store.service,
    kind: 'store',
    image: store.spec.image,
    ...(store.spec.command ? { command: store.spec.command } : {}),
    environment: store.spec.environment,
    envFile: store.service,
    healthcheck: store.spec.healthcheck,
    dependsOn: {},
    restart: 'unless-stopped',
    volumes: [`${store.service}-data:${store.spec.dataPath}`],
    ports: [],
    networks: [dataNetwork],
  };
}

function storeDependencies(service: ResolvedService, storeOf: ReadonlyMap<string, EmbeddedStore>): Record<string, Condition> {
  const out: Record<string, Condition> = {};
  for (const name of service.usesResources) {
    const store = storeOf.get(name);
    if (store) out[store.service] = 'service_healthy';
  }
  return out;
}

/** A service of the model as Compose runs it, and the secrets its env file holds (its own and those of the stores it uses). */
function appService(service: ResolvedService, model: ResolvedEnvironment, storeOf: ReadonlyMap<string, EmbeddedStore>): { service: ComposeService; secretEnv: SecretEnv[] } {
  if (!service.image) throw new BugError(`service ${service.name} of ${model.name} has no image; validation should have stopped this`);
  const used = service.usesResources.map((name) => storeOf.get(name)).filter((store): store is EmbeddedStore => store !== undefined);
  const environment = { ...service.env };
  const secretEnv = new Map<string, Omit<SecretEnv, 'name'>>(service.secretNames.map((name) => [name, { from: name }]));
  // The connection contract, as Compose delivers it: values in the Compose file, secrets in the env file.
  for (const variable of service.connections) {
    const store = storeOf.get(variable.resource);
    if (!store) throw new BugError(`${service.name} of ${model.name} is wired to "${variable.resource}", which is not run beside it; the wiring rule should have stopped this`);
    if (variable.source.kind === 'composed') secretEnv.set(variable.name, composedUrl(service, variable, store));
    else if (variable.secret) secretEnv.set(variable.name, { from: secretSource(variable, store) });
    else environment[variable.name] = plainValue(variable, store);
  }
  if (model.tier === 'production' && 'APP_DEBUG' in environment) environment.APP_DEBUG = 'false';
  const names = [...secretEnv.keys()].sort();
  const resources = service.resources;
  const limits = {
    ...(resources.cpu ? { cpus: composeCpus(resources.cpu) } : {}),
    ...(resources.memory ? { memory: composeMemory(resources.memory) } : {}),
  };
  const health = service.health;
  let healthcheck: string[] | undefined;
  if (health && 'command' in health) healthcheck = ['CMD', ...health.command];
  else if (health) {
    const port = service.ports.find((candidate) => candidate.name === health.port);
    if (!port) throw new BugError(`health port ${health.port} of ${service.name} does not exist; validation should have stopped this`);
    healthcheck = httpCheck(port.port, health.path);
  }
  const composed: ComposeService = {
    name: service.name,
    kind: 'app',
    image: service.image,
    ...(service.command ? { command: service.command } : {}),
    environment,
    ...(names.length > 0 ? { envFile: service.name } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    dependsOn: {},
    replicas: service.scaling.min,
    restart: 'unless-stopped',
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...((resources.gpu ?? 0) > 0 ? { gpus: resources.gpu! } : {}),
    volumes: [],
    ports: [],
    networks: used.length > 0 ? [appNetwork, dataNetwork] : [appNetwork],
  };
  return { service: composed, secretEnv: names.map((name) => ({ name, ...secretEnv.get(name)! })) };
}

function oneShot(base: ComposeService, name: string, kind: 'migration' | 'seed', command: string[]): ComposeService {
  // A migration runs on `up` even for a scheduled service (whose profile keeps it out of `up`).
  const { healthcheck: _health, replicas: _replicas, profiles: _profiles, ...rest } = base;
  return { ...rest, name, kind, command, restart: 'no', dependsOn: {}, ports: [], volumes: [] };
}

function secretSources(model: ResolvedEnvironment, envFiles: Record<string, SecretEnv[]>): SecretSources {
  const needed = new Set(Object.values(envFiles).flatMap((entries) => entries.map((entry) => entry.from)));
  const sops = new Set(model.secrets.file ? model.secrets.generated.map((secret) => secret.name) : []);
  const infra = new Map(model.secrets.infra.map((secret) => [secret.name, secret.reference ?? null]));
  const sorted = [...needed].sort();
  return {
    sops: sorted.filter((name) => sops.has(name)),
    infra: sorted.filter((name) => !sops.has(name) && infra.has(name)).map((name) => ({ name, reference: infra.get(name)! })),
    install: sorted.filter((name) => !sops.has(name) && !infra.has(name)).map((name) => ({ name, bytes: name === 'AWS_ACCESS_KEY_ID' ? 10 : 24 })),
  };
}

function loggingFor(model: ResolvedEnvironment): ComposePlan['logging'] {
  const region = model.infrastructure.region;
  if (model.infrastructure.observability.logs === 'cloudwatch' && model.provider === 'aws' && region) {
    return { driver: 'awslogs', options: { 'awslogs-region': region, 'awslogs-group': `/slipway/${model.name}`, 'awslogs-create-group': 'true', tag: '{{.Name}}' } };
  }
  return { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } };
}

function notesFor(model: ResolvedEnvironment, stores: readonly EmbeddedStore[]): Record<string, string> {
  const notes: Record<string, string> = { environment: model.name, release: model.release.version, tier: model.tier };
  const blueGreen = model.services.filter((service) => service.strategy === 'blue-green').map((service) => service.name);
  if (blueGreen.length > 0) {
    notes['strategy-note'] =
      `${blueGreen.join(', ')} ask${blueGreen.length === 1 ? 's' : ''} for blue-green deploys, which Compose cannot run (one version at a time); ` +
      'update.sh stands in: maintenance mode, backup, migration and health checks, and on any failure the backup and the retained previous bundle are restored';
  }
  const sized = stores.filter((store) => store.resource.storage).map((store) => `${store.service}-data ${store.resource.storage}`);
  if (sized.length > 0) notes['storage-note'] = `requested volume sizes (Compose volumes are not size-limited; provision the disk accordingly): ${sized.join(', ')}`;
  const managed = model.resources.filter((resource) => resource.managed).map((resource) => resource.name);
  if (managed.length > 0) notes['managed-note'] = `managed outside this file, reached through the services' own settings: ${managed.join(', ')}`;
  if (model.infrastructure.observability.logs === 'loki') notes['logs-note'] = 'logs go to stdout (json-file); ship them to Loki with the host’s collector';
  return notes;
}
