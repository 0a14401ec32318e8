import { compareText, type Diagnostic } from '../../core/diagnostics.js';
import { findingAt, irsaRoleAnnotation, type Origin, type ResolvedEnvironment, type ResolvedService, type Runtime, type ServiceOptionName } from '../../model/index.js';
import type { Rule } from './rule.js';

/** Label keys Slipway sets itself on pods and containers: a second value under the same key would break the chart's YAML or lie about the object. */
const reservedLabelPrefixes = ['app.kubernetes.io/', 'helm.sh/', 'slipway.dev/', 'dev.slipway.'];
/** Pod annotations Slipway computes (a config or branding checksum rolls the pods). */
const reservedAnnotationPrefixes = ['checksum/'];
const scheduledRoles = new Set(['worker', 'scheduler']);
/** Native sidecars (an init container that keeps running) are on by default from Kubernetes 1.29. */
const nativeSidecarsSince = [1, 29];
const digestPinned = /@sha256:[a-f0-9]{64}$/;

/**
 * Service options the resolved model cannot render as written (errors), and options a runtime has no
 * meaning for (warnings, at the option, once for all the environments it concerns): nodeSelector on
 * Compose, a persistent volume on ECS … The README's troubleshooting table lists every code.
 */
export const serviceOptionsRule: Rule = {
  name: 'service-options',
  codes: ['schedule-role', 'schedule-with-ports', 'reserved-label', 'option-name-taken', 'unpinned-option-image', 'sidecar-kubernetes-version', 'option-unsupported'],
  check({ resolved, blocked }) {
    const errors = new Map<string, Diagnostic>();
    const unsupported = new Map<string, { origin: Origin; option: string; runtime: Runtime; why: string; environments: string[] }>();
    for (const model of resolved.values()) {
      for (const service of model.services) {
        for (const finding of optionErrors(model, service)) errors.set(`${finding.file}:${finding.line}:${finding.column}:${finding.code}`, finding);
        if (blocked.has(model.name)) continue;
        for (const entry of unsupportedOptions(model, service)) {
          const key = `${entry.origin.source.path}|${JSON.stringify(entry.origin.path)}|${entry.option}|${model.runtime}`;
          const found = unsupported.get(key);
          if (found) found.environments.push(model.name);
          else unsupported.set(key, { ...entry, runtime: model.runtime, environments: [model.name] });
        }
      }
    }
    const warnings = [...unsupported.values()].map(({ origin, option, runtime, why, environments }) =>
      findingAt(origin, 'option-unsupported', `${option} has no meaning on ${runtimeName[runtime]} (${environments.sort(compareText).join(', ')}): ${why}`, { severity: 'warning', key: true }),
    );
    return [...errors.values(), ...warnings];
  },
};

const runtimeName: Record<Runtime, string> = { kubernetes: 'Kubernetes', compose: 'Compose', ecs: 'ECS' };

function optionErrors(model: ResolvedEnvironment, service: ResolvedService): Diagnostic[] {
  const { options } = service;
  const out: Diagnostic[] = [];
  if (options.schedule !== undefined && !scheduledRoles.has(service.role)) {
    out.push(findingAt(options.origins.schedule!, 'schedule-role', `"${service.name}" has role ${service.role}: only worker and scheduler services run on a schedule; remove "schedule" or make it a worker`, { key: true }));
  }
  if (options.schedule !== undefined && service.ports.length > 0) {
    out.push(findingAt(options.origins.schedule!, 'schedule-with-ports', `"${service.name}" runs on a schedule and exits, so nothing could reach its ports (${service.ports.map((port) => port.name).join(', ')}); remove "ports" or "schedule"`, { key: true }));
  }
  for (const [field, prefixes] of [['labels', reservedLabelPrefixes], ['annotations', reservedAnnotationPrefixes]] as const) {
    for (const key of Object.keys(options[field]).filter((candidate) => prefixes.some((prefix) => candidate.startsWith(prefix)))) {
      out.push(findingAt(options.origins[field]!, 'reserved-label', `${field.slice(0, -1)} "${key}" is one Slipway sets itself (${prefixes.join(', ')}); choose a key of your own, such as "example.com/${key.split('/').pop()}"`, { key: true }));
    }
  }
  const containers = new Map<string, string>([[service.name, 'the service itself']]);
  for (const [field, list] of [['initContainers', options.initContainers], ['sidecars', options.sidecars]] as const) {
    for (const container of list) {
      const taken = containers.get(container.name);
      if (taken) out.push(findingAt(container.origin, 'option-name-taken', `container name "${container.name}" is already ${taken}; containers of a pod need different names`, { under: ['name'] }));
      containers.set(container.name, `used in ${field}`);
      if (model.tier === 'production' && !digestPinned.test(container.image)) {
        out.push(findingAt(container.origin, 'unpinned-option-image', `${field} image "${container.image}" is not pinned by digest; production runs only images pinned as "…@sha256:<64 hex>"`, { under: ['image'] }));
      }
    }
  }
  const volumes = new Set<string>();
  for (const volume of options.volumes) {
    if (volumes.has(volume.name)) out.push(findingAt(volume.origin, 'option-name-taken', `volume "${volume.name}" is declared twice; give each volume its own name`, { under: ['name'] }));
    volumes.add(volume.name);
  }
  if (model.runtime === 'kubernetes' && options.sidecars.length > 0 && olderThan(model.runtimeVersion.effective, nativeSidecarsSince)) {
    out.push(findingAt(options.origins.sidecars!, 'sidecar-kubernetes-version', `sidecars run as native sidecars, which need Kubernetes 1.29 or later; "${model.name}" runs ${model.runtimeVersion.effective}: upgrade it, or use an init container`, { key: true }));
  }
  return out;
}

function olderThan(version: string | undefined, [major, minor]: number[]): boolean {
  const [have, haveMinor] = (version ?? '').split('.').map(Number);
  return have !== undefined && haveMinor !== undefined && (have < major! || (have === major && haveMinor < minor!));
}

/** The options (and parts of options) a runtime cannot render, each with what happens instead. */
function unsupportedOptions(model: ResolvedEnvironment, service: ResolvedService): Array<{ origin: Origin; option: string; why: string }> {
  const { options } = service;
  const out: Array<{ origin: Origin; option: string; why: string }> = [];
  const add = (field: ServiceOptionName, why: string, option: string = field) => {
    const origin = options.origins[field];
    if (origin) out.push({ origin, option, why });
  };
  if (model.runtime === 'kubernetes') return out;
  const placement = 'it chooses Kubernetes nodes; the service runs wherever the runtime places it';
  add('nodeSelector', placement);
  add('tolerations', placement);
  add('affinity', placement);
  add('annotations', 'pod annotations are Kubernetes metadata; use "labels", which become container labels');
  const { fsGroup, runAsNonRoot } = options.securityContext.pod;
  if (fsGroup !== undefined || runAsNonRoot !== undefined) add('securityContext', 'fsGroup and runAsNonRoot are Kubernetes settings; set runAsUser (and runAsGroup) to run as a user other than root', 'securityContext.fsGroup/runAsNonRoot');
  if (model.runtime === 'compose') {
    add('serviceAccount', 'Compose runs no ServiceAccount; the containers reach cloud services with the host\'s credentials or their own variables');
    add('schedule', `nothing starts it on Compose: it is in the "scheduled" profile, so "docker compose up" leaves it alone; run "docker compose run --rm ${service.name}" from the host's cron`);
    return out;
  }
  // ECS
  add('volumes', 'ECS tasks keep no persistent volume here (Fargate storage is ephemeral); keep the data in a managed store or object storage');
  add('configFiles', 'ECS cannot mount files from the source tree; bake the file into the image or pass its values as "env"');
  const role = options.serviceAccount?.annotations[irsaRoleAnnotation];
  const usesOwnRole = model.resources.some((resource) => resource.connection.workloadIdentity && service.usesResources.includes(resource.name));
  if (options.serviceAccount && (!role || usesOwnRole)) {
    add('serviceAccount', role ? `the service reaches its buckets with the task role Slipway makes, so the ${irsaRoleAnnotation} role is not used; grant that role's permissions there` : `only an "${irsaRoleAnnotation}" annotation means something on ECS (the task role)`);
  }
  return out;
}
