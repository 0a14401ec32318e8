import type { ResolvedContainer, ResolvedService } from '../../src/model/index.js';
import { containerUser } from '../infrastructure-shared/container-user.js';
import type { ComposeService, Condition } from './plan.js';
import { composeCpus, composeMemory } from './quantities.js';

/** What a service's options add to the Compose project beside the service itself. */
export interface ComposeOptionParts {
  /** The service with its volumes, config mounts, labels, user and profile. */
  service: ComposeService;
  /** One-shot init services (in order, each waiting for the one before) and long-running sidecars. */
  extras: ComposeService[];
  /** What the service waits for: its last init service to complete, its sidecars to start. */
  waitsFor: Record<string, Condition>;
  /** Named volumes to declare. */
  volumes: string[];
  /** Files written beside the Compose file (inside compose/ and the bundle), by path. */
  files: Array<{ path: string; content: string }>;
}

/** Compose profile of scheduled services: `docker compose up` leaves them alone; the host's cron runs them. */
export const scheduledProfile = 'scheduled';

/**
 * The service options Compose has a meaning for: persistent volumes as named volumes, config files as
 * read-only bind mounts of files shipped beside the Compose file, pod labels as container labels,
 * runAsUser/runAsGroup as `user`, readOnlyRootFilesystem as `read_only`, init containers as one-shot
 * services the service depends on with service_completed_successfully, sidecars as services beside
 * it, and a schedule as a service in the "scheduled" profile that only `docker compose run` starts.
 * Placement, annotations, the ServiceAccount, fsGroup and runAsNonRoot have none: a warning says so.
 */
export function composeOptionParts(base: ComposeService, service: ResolvedService, allocate: (name: string) => string): ComposeOptionParts {
  const { options } = service;
  const volumes = options.volumes.map((volume) => ({ name: `${service.name}-${volume.name}`, mount: `${service.name}-${volume.name}:${volume.mountPath}` }));
  const files = options.configFiles.map((file) => ({ path: `config/${service.name}/${file.key}`, content: file.content, mountPath: file.mountPath }));
  const mounts = [...volumes.map((volume) => volume.mount), ...files.map((file) => `./${file.path}:${file.mountPath}:ro`)];
  const user = containerUser(options.securityContext);
  const hardening: Partial<ComposeService> = {
    ...(user === undefined ? {} : { user }),
    ...(options.securityContext.container.readOnlyRootFilesystem ? { readOnly: true } : {}),
  };

  const extras: ComposeService[] = [];
  const waitsFor: Record<string, Condition> = {};
  let previous: string | undefined;
  for (const init of options.initContainers) {
    const name = allocate(`${service.name}-${init.name}`);
    extras.push({ ...container(init, base, mounts, hardening, name, 'init', 'no'), dependsOn: previous ? { [previous]: 'service_completed_successfully' } : {} });
    previous = name;
  }
  if (previous) waitsFor[previous] = 'service_completed_successfully';
  for (const sidecar of options.sidecars) {
    const name = allocate(`${service.name}-${sidecar.name}`);
    extras.push(container(sidecar, base, mounts, hardening, name, 'sidecar', 'unless-stopped'));
    waitsFor[name] = 'service_started';
  }

  const scheduled = options.schedule !== undefined;
  return {
    service: {
      ...base,
      ...hardening,
      volumes: [...base.volumes, ...mounts],
      ...(Object.keys(options.labels).length > 0 ? { labels: options.labels } : {}),
      ...(scheduled ? { restart: 'no' as const, profiles: [scheduledProfile] } : {}),
    },
    extras,
    waitsFor,
    volumes: volumes.map((volume) => volume.name),
    files,
  };
}

function container(input: ResolvedContainer, base: ComposeService, mounts: string[], hardening: Partial<ComposeService>, name: string, kind: 'init' | 'sidecar', restart: 'no' | 'unless-stopped'): ComposeService {
  const limits = {
    ...(input.resources.cpu ? { cpus: composeCpus(input.resources.cpu) } : {}),
    ...(input.resources.memory ? { memory: composeMemory(input.resources.memory) } : {}),
  };
  return {
    name,
    kind,
    image: input.image,
    ...(input.command ? { command: input.command } : {}),
    environment: { ...input.env },
    ...hardening,
    dependsOn: {},
    restart,
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    // Beside the service, with the same volumes and networks, as in its pod.
    volumes: mounts,
    ports: [],
    networks: base.networks,
    ...(base.profiles ? { profiles: base.profiles } : {}),
  };
}
