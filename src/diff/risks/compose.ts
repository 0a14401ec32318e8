import { risk } from './core.js';
import { code, filePairs, isRecord, type EnvironmentPair, type FilePair, type RiskRule } from './types.js';

/** Rules over `environments/<env>/compose/*.yml` (Compose Specification). */

const STATEFUL_IMAGE = /(^|\/)(postgres|postgis|mysql|mariadb|redis|valkey|minio|mongo|elasticsearch|opensearch|rabbitmq)([:@]|$)/;

const serviceRemoved: RiskRule = {
  id: 'compose-service-removed',
  categories: ['data-loss', 'downtime'],
  description: 'a Compose service disappears: a stateful one (database, cache, object storage) takes its data along',
  check(environment) {
    return composeFiles(environment).flatMap(({ path, before, after }) =>
      Object.entries(services(before))
        .filter(([name]) => !Object.hasOwn(services(after), name))
        .map(([name, service]) => {
          const was = image(service);
          return STATEFUL_IMAGE.test(was)
            ? risk(this, 'data-loss', environment, `stateful service ${code(name)} (${code(was)}) removed`, path)
            : risk(this, 'downtime', environment, `service ${code(name)} removed`, path);
        }),
    );
  },
};

const volumeRemoved: RiskRule = {
  id: 'compose-volume-removed',
  categories: ['data-loss'],
  description: 'a named Compose volume is removed or redefined (another name, driver or external volume): its data is not carried over',
  check(environment) {
    return composeFiles(environment).flatMap(({ path, before, after }) => {
      const a = volumes(before);
      const b = volumes(after);
      return Object.keys(a).flatMap((name) => {
        if (!Object.hasOwn(b, name)) return [risk(this, 'data-loss', environment, `volume ${code(name)} removed`, path)];
        if (JSON.stringify(identity(a[name])) !== JSON.stringify(identity(b[name]))) {
          return [risk(this, 'data-loss', environment, `volume ${code(name)} redefined (name, driver or external changed): a new, empty volume replaces it`, path)];
        }
        return [];
      });
    });
  },
};

const singleReplica: RiskRule = {
  id: 'compose-single-replica',
  categories: ['downtime'],
  description: 'a Compose service goes down to a single replica: every restart or update is an outage',
  check(environment) {
    return servicePairs(environment).flatMap(({ path, name, before, after }) => {
      const now = replicas(after);
      const was = replicas(before);
      if (now === undefined || now > 1 || was === undefined || was <= 1) return [];
      return [risk(this, 'downtime', environment, `service ${code(name)} goes from ${was} replicas to ${now}`, path)];
    });
  },
};

const publishedPort: RiskRule = {
  id: 'compose-new-published-port',
  categories: ['security'],
  description: 'a Compose service publishes a host port it did not publish before',
  check(environment) {
    return servicePairs(environment).flatMap(({ path, name, before, after }) => {
      const was = new Set(publishedPorts(before));
      return publishedPorts(after)
        .filter((port) => !was.has(port))
        .map((port) => risk(this, 'security', environment, `service ${code(name)} newly publishes port ${code(port)} on the host`, path));
    });
  },
};

const engineMajor: RiskRule = {
  id: 'compose-engine-major-change',
  categories: ['data-loss'],
  description: 'a stateful Compose service (database, cache, object storage) changes the major version of its image: its data files may not be readable by the new one',
  check(environment) {
    return servicePairs(environment).flatMap(({ path, name, before, after }) => {
      const was = image(before);
      const now = image(after);
      const wasMajor = majorOf(was);
      const nowMajor = majorOf(now);
      if (!STATEFUL_IMAGE.test(now) || wasMajor === undefined || nowMajor === undefined || wasMajor === nowMajor) return [];
      return [risk(this, 'data-loss', environment, `service ${code(name)} goes from ${code(was)} to ${code(now)}, a major version change: back up and migrate the data first`, path)];
    });
  },
};

export const composeRules: readonly RiskRule[] = [serviceRemoved, volumeRemoved, engineMajor, singleReplica, publishedPort];

/** The major version in an image tag (`postgres:16.6-alpine` → 16), when the tag starts with one. */
function majorOf(image: string): string | undefined {
  const tag = /:([^:/@]+)(@|$)/.exec(image)?.[1];
  return tag ? /^v?(\d+)/.exec(tag)?.[1] : undefined;
}

/** Compose files on either side. A file gone from a still-existing environment counts as emptied. */
function composeFiles(environment: EnvironmentPair): FilePair[] {
  return filePairs(environment, /^compose\/[^/]+\.ya?ml$/, { gone: true });
}

/** Every service of the new side of each Compose file, with the service of that name before (undefined when new). */
function servicePairs(environment: EnvironmentPair): Array<FilePair & { name: string }> {
  return composeFiles(environment).flatMap(({ path, before, after }) => {
    const old = services(before);
    return Object.entries(services(after)).map(([name, service]) => ({ path, name, before: old[name], after: service }));
  });
}

function services(doc: unknown): Record<string, unknown> {
  return isRecord(doc) && isRecord(doc.services) ? doc.services : {};
}

function image(service: unknown): string {
  return isRecord(service) ? String(service.image ?? '') : '';
}

function volumes(doc: unknown): Record<string, unknown> {
  return isRecord(doc) && isRecord(doc.volumes) ? doc.volumes : {};
}

function identity(volume: unknown) {
  if (!isRecord(volume)) return {};
  return { name: volume.name ?? null, driver: volume.driver ?? null, external: volume.external ?? null };
}

function replicas(service: unknown): number | undefined {
  if (!isRecord(service) || !isRecord(service.deploy)) return undefined;
  const value = Number(service.deploy.replicas);
  return Number.isFinite(value) ? value : undefined;
}

/** Host ports, in both the short (`"8080:80"`, `"127.0.0.1:8080:80/tcp"`) and the long syntax. */
function publishedPorts(service: unknown): string[] {
  if (!isRecord(service) || !Array.isArray(service.ports)) return [];
  return service.ports.flatMap((port): string[] => {
    if (isRecord(port)) return port.published === undefined ? [] : [`${port.host_ip ? `${String(port.host_ip)}:` : ''}${String(port.published)}`];
    const text = String(port).replace(/\/(tcp|udp|sctp)$/, '');
    const parts = text.split(':');
    if (parts.length < 2) return [];
    return [parts.slice(0, -1).join(':')];
  });
}
