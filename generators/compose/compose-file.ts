import { stringify } from 'yaml';
import { readersPlainTypes, sortKeysDeep, textBytes } from '../../src/core/serialize.js';
import { YamlWriter, type YamlDialect } from '../../src/core/yaml-writer.js';
import type { ComposePlan, ComposeService } from './plan.js';

/**
 * The Compose file as data. Compose interpolates `$VAR` and `${VAR}` everywhere in the file, so
 * every string is escaped (`$` → `$$`) on the way out: what a container sees is exactly what the
 * model said, and a value can never reach into the host's environment.
 */
export function composeDocument(plan: ComposePlan): Record<string, unknown> {
  const document: Record<string, unknown> = {
    name: plan.project,
    services: Object.fromEntries(plan.services.map((service) => [service.name, serviceDocument(service, plan)])),
    networks: Object.fromEntries(plan.networks.map((network) => [network.name, network.internal ? { internal: true } : {}])),
    ...(plan.volumes.length > 0 ? { volumes: Object.fromEntries(plan.volumes.map((volume) => [volume, {}])) } : {}),
    'x-slipway': plan.notes,
  };
  return escapeInterpolation(document) as Record<string, unknown>;
}

function serviceDocument(service: ComposeService, plan: ComposePlan): Record<string, unknown> {
  const deploy: Record<string, unknown> = {};
  if (service.replicas !== undefined) deploy.replicas = service.replicas;
  const resources: Record<string, unknown> = {};
  if (service.limits) resources.limits = service.limits;
  if (service.gpus) resources.reservations = { devices: [{ driver: 'nvidia', count: service.gpus, capabilities: ['gpu'] }] };
  if (Object.keys(resources).length > 0) deploy.resources = resources;
  return {
    image: service.image,
    ...(service.entrypoint ? { entrypoint: service.entrypoint } : {}),
    ...(service.command ? { command: service.command } : {}),
    ...(Object.keys(service.environment).length > 0 ? { environment: service.environment } : {}),
    ...(service.envFile && plan.envFiles[service.envFile] ? { env_file: [`env/${service.envFile}.env`] } : {}),
    ...(service.healthcheck ? { healthcheck: { test: service.healthcheck, interval: '10s', timeout: '5s', retries: 5, start_period: '30s' } } : {}),
    ...(Object.keys(service.dependsOn).length > 0
      ? { depends_on: Object.fromEntries(Object.entries(service.dependsOn).map(([name, condition]) => [name, { condition }])) }
      : {}),
    restart: service.restart,
    ...(Object.keys(deploy).length > 0 ? { deploy } : {}),
    ...(service.volumes.length > 0 ? { volumes: service.volumes } : {}),
    ...(service.ports.length > 0 ? { ports: service.ports } : {}),
    networks: service.networks,
    logging: plan.logging,
    ...(service.user === undefined ? {} : { user: service.user }),
    ...(service.readOnly ? { read_only: true } : {}),
    ...(service.profiles ? { profiles: service.profiles } : {}),
    labels: { ...service.labels, 'dev.slipway.kind': service.kind },
  };
}

const composeYamlOptions = {
  version: '1.1',
  defaultStringType: 'QUOTE_DOUBLE',
  defaultKeyType: 'PLAIN',
  lineWidth: 0,
  aliasDuplicateObjects: false,
  compat: readersPlainTypes,
} as const;
export const composeYamlDialect: YamlDialect = { quotesEveryString: true, stringify: (data) => stringify(data, composeYamlOptions) };
const composeYamlWriter = new YamlWriter(composeYamlDialect);

/**
 * `yamlBytes` with every string value double-quoted: plain scalars such as `no`, `off` or `0o17`
 * are strings to YAML 1.2 (Compose v2) but booleans or numbers to YAML 1.1 readers (PyYAML, so
 * docker-compose 1.x and Ansible), and `restart: no` must mean the same to all of them.
 */
export function composeYamlBytes(document: unknown): Uint8Array {
  return textBytes(composeYamlWriter.write(document, { sortKeys: true }) ?? composeYamlDialect.stringify(sortKeysDeep(document)));
}

export function escapeInterpolation(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('$') ? value.replaceAll('$', '$$$$') : value;
  if (Array.isArray(value)) return value.map(escapeInterpolation);
  if (value !== null && typeof value === 'object') {
    const escaped: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // A key `__proto__` stays a key.
      if (key === '__proto__') Object.defineProperty(escaped, key, { value: escapeInterpolation(item), enumerable: true, writable: true, configurable: true });
      else escaped[key] = escapeInterpolation(item);
    }
    return escaped;
  }
  return value;
}

/** Compose's own reading of an escaped string. */
export function unescapeInterpolation(text: string): string {
  return text.replaceAll('$$', '$');
}
