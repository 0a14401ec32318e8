import { compareText } from '../core/diagnostics.js';
import type {
  ConfigFileContent,
  ContainerInput,
  Origin,
  PortSpec,
  ResolvedContainer,
  ResolvedPort,
  ResolvedServiceOptions,
  ResolvedToleration,
  ServiceInput,
  ServiceOptionName,
  ServiceOverride,
  SourceFile,
} from '../model/index.js';

/** Where a service is declared and where its environment overrides it, so every option keeps its origin. */
export interface OptionSources {
  service: ServiceInput;
  serviceFile: SourceFile;
  override: ServiceOverride;
  /** The environment's file; the override sits at `overrides.services.<name>`. */
  environmentFile: SourceFile;
  name: string;
  configFiles: ReadonlyMap<string, ConfigFileContent> | undefined;
}

/**
 * The service-level options of one service in one environment. How an override merges: maps
 * (nodeSelector, labels, annotations, the ServiceAccount's annotations) key by key, the
 * environment's value winning; named lists (ports, volumes, init containers, sidecars) by name, an
 * entry of the same name replacing the service's in place and new ones appended (init containers
 * run in that order); tolerations are added; affinity and schedule are replaced; securityContext
 * field by field. Config files come from service.json alone: their paths are the service's folder.
 */
export function resolveServiceOptions(sources: OptionSources): { options: ResolvedServiceOptions; ports: ResolvedPort[] } {
  const { service, override } = sources;
  const origins: ResolvedServiceOptions['origins'] = {};
  /** The origin of a field: the override's when it sets it, else service.json's. */
  const note = (field: ServiceOptionName, set: boolean) => {
    if (set) origins[field] = optionOrigin(sources, field, (override as Record<string, unknown>)[field] !== undefined);
  };

  const ports = byName<PortSpec, ResolvedPort>(service.ports, override.ports, (port) => ({ name: port.name, port: port.port, expose: port.expose ?? 'internal' }), sources, 'ports');
  note('ports', override.ports !== undefined && override.ports.length > 0);

  const volumes = byName(service.volumes, override.volumes, (volume, origin) => ({ name: volume.name, mountPath: volume.mountPath, size: volume.size, storageClass: volume.storageClass, origin }), sources, 'volumes');
  note('volumes', volumes.length > 0);

  const configFiles = (service.configFiles ?? []).flatMap((file, index) => {
    const content = sources.configFiles?.get(`services/${sources.name}/${file.source}`);
    // One the loader could not read is reported there; the target fails before anything renders.
    if (!content) return [];
    return [{ key: `config-${index + 1}`, source: file.source, mountPath: file.mountPath, content: content.text, origin: optionOrigin(sources, 'configFiles', false, index) }];
  });
  note('configFiles', configFiles.length > 0);

  const nodeSelector = mergeMaps(service.nodeSelector, override.nodeSelector);
  note('nodeSelector', Object.keys(nodeSelector).length > 0);
  const labels = mergeMaps(service.labels, override.labels);
  note('labels', Object.keys(labels).length > 0);
  const annotations = mergeMaps(service.annotations, override.annotations);
  note('annotations', Object.keys(annotations).length > 0);

  const tolerations = [...(service.tolerations ?? []), ...(override.tolerations ?? [])].map((toleration): ResolvedToleration => ({
    key: toleration.key,
    // Kubernetes' own rule: Equal needs a value, so a toleration without one means "any value".
    operator: toleration.operator ?? (toleration.value === undefined ? 'Exists' : 'Equal'),
    value: toleration.operator === 'Exists' ? undefined : toleration.value,
    effect: toleration.effect,
  }));
  note('tolerations', tolerations.length > 0);
  // GPU nodes are tainted nvidia.com/gpu (the Terraform of every provider does so): a pod asking for a GPU tolerates it.
  const gpu = override.resources?.gpu ?? service.resources?.gpu ?? 0;
  if (gpu > 0) tolerations.push({ key: 'nvidia.com/gpu', operator: 'Exists', value: undefined, effect: 'NoSchedule' });
  const uniqueTolerations = [...new Map(tolerations.map((toleration) => [JSON.stringify(toleration), toleration])).values()];

  const affinity = override.affinity ?? service.affinity;
  note('affinity', affinity !== undefined);

  const serviceAccount =
    service.serviceAccount || override.serviceAccount ? { annotations: mergeMaps(service.serviceAccount?.annotations, override.serviceAccount?.annotations) } : undefined;
  note('serviceAccount', serviceAccount !== undefined);

  const security = { ...service.securityContext, ...override.securityContext };
  const securityContext = {
    pod: defined({ runAsUser: security.runAsUser, runAsGroup: security.runAsGroup, fsGroup: security.fsGroup, runAsNonRoot: security.runAsNonRoot }),
    container: defined({ readOnlyRootFilesystem: security.readOnlyRootFilesystem }),
  };
  note('securityContext', Object.keys(security).length > 0);

  const container = (input: ContainerInput, origin: Origin): ResolvedContainer => ({
    name: input.name,
    image: input.image,
    command: input.command,
    env: mergeMaps(input.env, undefined),
    resources: { ...input.resources },
    origin,
  });
  const initContainers = byName(service.initContainers, override.initContainers, container, sources, 'initContainers');
  note('initContainers', initContainers.length > 0);
  const sidecars = byName(service.sidecars, override.sidecars, container, sources, 'sidecars');
  note('sidecars', sidecars.length > 0);

  const schedule = override.schedule ?? service.schedule;
  note('schedule', schedule !== undefined);

  return {
    ports,
    options: { volumes, configFiles, nodeSelector, tolerations: uniqueTolerations, affinity, labels, annotations, serviceAccount, securityContext, initContainers, sidecars, schedule, origins },
  };
}

/** The service's entries, each replaced in place by the override's entry of the same name, then the override's new ones. */
function byName<I extends { name: string }, R>(base: I[] | undefined, over: I[] | undefined, make: (item: I, origin: Origin) => R, sources: OptionSources, field: ServiceOptionName): R[] {
  const originFor = (fromOverride: boolean, index: number): Origin => optionOrigin(sources, field, fromOverride, index);
  const replacements = new Map((over ?? []).map((item, index) => [item.name, { item, index }]));
  const merged = (base ?? []).map((item, index) => {
    const replacement = replacements.get(item.name);
    return replacement ? make(replacement.item, originFor(true, replacement.index)) : make(item, originFor(false, index));
  });
  const baseNames = new Set((base ?? []).map((item) => item.name));
  (over ?? []).forEach((item, index) => {
    if (!baseNames.has(item.name)) merged.push(make(item, originFor(true, index)));
  });
  return merged;
}

/** Where an option (or an entry of it) is written: at `overrides.services.<name>` of the environment's file, or in service.json. */
function optionOrigin(sources: OptionSources, field: ServiceOptionName, fromOverride: boolean, ...rest: Array<string | number>): Origin {
  return fromOverride ? { source: sources.environmentFile, path: ['overrides', 'services', sources.name, field, ...rest] } : { source: sources.serviceFile, path: [field, ...rest] };
}

function mergeMaps(base: Record<string, string> | undefined, over: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries({ ...base, ...over }).sort(([a], [b]) => compareText(a, b)));
}

function defined<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
