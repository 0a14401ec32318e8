import { compareText } from '../core/diagnostics.js';
import type { EnvironmentInput, Origin, Project, Reconciler, ReleaseInput, ResolvedEnvironment, ResolvedResource, ResolvedService, ResourceDependency, Runtime, RuntimeVersion, ServiceInput } from '../model/index.js';
import { addonDeclarations } from '../model/index.js';

export { defaultAiGatewayImage } from './infrastructure.js';
import { policyRevocations } from '../sign/rotation.js';
import { resolveAddons } from './addons.js';
import { resolveChart } from './chart.js';
import { resolveExtras } from './extras.js';
import { resolveInfrastructure } from './infrastructure.js';
import { resolveSecrets } from './secrets.js';
import { resourceConnection, serviceConnections } from './bindings.js';
import { resolveServiceOptions } from './service-options.js';

/**
 * Builds the model of one environment that generators and rules read. Returns undefined when the
 * environment or what it names is missing or invalid: those are reported by the validation rules.
 */
export function resolveEnvironment(project: Project, environmentName: string): ResolvedEnvironment | undefined {
  const environment = project.environments.get(environmentName);
  if (!environment?.valid) return undefined;
  const input = environment.value;
  // A missing release or service is a validation error reported elsewhere; the model is still built
  // from what exists so the other rules can look at it. Such a target is never rendered.
  const found = project.releases.get(input.release);
  const release: ReleaseInput = found?.valid ? found.value : { version: input.release, images: {} };

  const names = deployedServiceNames(project, input).filter((name) => project.services.get(name)?.valid);
  const inputs = new Map(names.map((name) => [name, project.services.get(name)!.value]));
  const services: ResolvedService[] = [];
  for (const name of names) {
    const entity = project.services.get(name)!;
    services.push(resolveService(name, entity.value, { source: entity.source, path: [] }, input, release, names, { environmentFile: environment.source, configFiles: project.configFiles }));
  }
  const secrets = resolveSecrets(project, environmentName, input, inputs);
  const target = { name: environmentName, provider: input.provider, runtime: input.runtime, region: input.region };
  const resources = resolveResources(services, inputs, input).map((resource) => ({
    ...resource,
    connection: resourceConnection(resource, services.filter((service) => resource.usedBy.includes(service.name)), target, secrets),
  }));
  const ordered = dependencyOrder(
    services.map((service) => ({ ...service, connections: serviceConnections(service, inputs.get(service.name)!.dependencies?.resources ?? [], resources) })),
  );
  const infrastructure = resolveInfrastructure(environmentName, { source: environment.source, path: [] }, input, ordered, secrets.infra, project.settings);
  return {
    name: environmentName,
    description: input.description || undefined,
    mode: input.mode,
    tier: input.tier,
    provider: input.provider,
    runtime: input.runtime,
    runtimeVersion: runtimeVersion(input),
    license: input.license,
    reconciler: input.reconciler ?? defaultReconciler(input, project.settings?.value.reconciler),
    release,
    services: ordered,
    resources,
    secrets,
    infrastructure,
    // A revoked key is no longer trusted: bundles stop carrying it, runbooks stop naming it.
    trustedKeys: trustedKeys(project),
    commitKeys: project.commitKeys,
    chart: resolveChart(project.settings?.value),
    addons: resolveAddons(input.runtime, addonDeclarations(project, environment), infrastructure.namespace),
    extras: resolveExtras(project, environment.source, input, infrastructure.namespace),
    origin: { source: environment.source, path: [] },
  };
}

function trustedKeys(project: Project): Project['trustedKeys'] {
  const revoked = new Set(policyRevocations(project).map((entry) => entry.keyId));
  return project.trustedKeys.filter((key) => !revoked.has(key.keyId));
}

/** What Slipway provisions when an environment names no version: current, supported releases. ECS has no version to pick. */
const defaultRuntimeVersions: Partial<Record<Runtime, string>> = { kubernetes: '1.31', compose: '2.20' };

/** On bare metal the Ansible playbook installs Docker Compose, whichever runtime the file names. */
function runtimeVersion(input: Pick<EnvironmentInput, 'provider' | 'runtime' | 'runtimeVersion'>): RuntimeVersion {
  const fallback = defaultRuntimeVersions[input.provider === 'bare-metal' ? 'compose' : input.runtime];
  return { declared: input.runtimeVersion, effective: input.runtimeVersion ?? fallback };
}

/** The services an environment deploys: its `services` list, or every service of the project. */
export function deployedServiceNames(project: Project, input: EnvironmentInput): string[] {
  const names = input.services ?? [...project.services.keys()];
  return [...new Set(names)].sort(compareText);
}

/** `name` is the service's folder: its identity, even while its `name` field disagrees (a reported error). */
function resolveService(
  name: string,
  service: ServiceInput,
  origin: Origin,
  environment: EnvironmentInput,
  release: ReleaseInput,
  deployed: string[],
  files: { environmentFile: Origin['source']; configFiles: Project['configFiles'] },
): ResolvedService {
  const override = environment.overrides?.services?.[name] ?? {};
  const { options, ports } = resolveServiceOptions({ service, serviceFile: origin.source, override, environmentFile: files.environmentFile, name, configFiles: files.configFiles });
  const env = sortRecord({ ...service.env, ...override.env });
  const scaling = { ...service.scaling, ...override.scaling };
  const min = scaling.min ?? 1;
  return {
    name,
    role: service.role,
    image: release.images[name],
    imageRepository: service.image,
    description: service.description || undefined,
    command: service.command,
    ports,
    health: service.health,
    migrations: service.migrations,
    seed: service.seed,
    monitoring: { metrics: service.monitoring?.metrics, alerts: service.monitoring?.alerts ?? [] },
    env,
    scaling: { min, max: Math.max(scaling.max ?? min, min), ...(scaling.targetCpuPercent === undefined ? {} : { targetCpuPercent: scaling.targetCpuPercent }) },
    resources: { ...service.resources, ...override.resources },
    strategy: service.deployment?.strategy ?? 'rolling',
    dependsOn: (service.dependencies?.services ?? []).filter((name) => deployed.includes(name)).sort(compareText),
    usesResources: [...new Set((service.dependencies?.resources ?? []).map((r) => r.name))].sort(compareText),
    secretNames: Object.keys(service.secrets ?? {}).sort(compareText),
    connections: [],
    options,
    origin,
  };
}

/** SPEC §1: managed by default on a cloud provider outside Compose, embedded otherwise. */
function managedByDefault(environment: Pick<EnvironmentInput, 'provider' | 'runtime'>): boolean {
  return environment.provider !== 'bare-metal' && environment.runtime !== 'compose';
}

function resolveResources(services: ResolvedService[], inputs: ReadonlyMap<string, ServiceInput>, environment: EnvironmentInput): Array<Omit<ResolvedResource, 'connection'>> {
  const byName = new Map<string, { declaration: ResourceDependency; usedBy: string[]; origin: Origin }>();
  for (const service of services) {
    (inputs.get(service.name)!.dependencies?.resources ?? []).forEach((declaration, index) => {
      const origin: Origin = { source: service.origin.source, path: ['dependencies', 'resources', index] };
      const entry = byName.get(declaration.name);
      if (entry) {
        entry.usedBy.push(service.name);
        // The first declared version wins, and points at where it was declared; conflicts are a rule's business.
        if (entry.declaration.version === undefined && declaration.version !== undefined) entry.origin = origin;
        entry.declaration = { ...entry.declaration, version: entry.declaration.version ?? declaration.version, storage: entry.declaration.storage ?? declaration.storage };
      } else {
        byName.set(declaration.name, { declaration, usedBy: [service.name], origin });
      }
    });
  }
  const fallback = managedByDefault(environment);
  return [...byName.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([name, { declaration, usedBy, origin }]) => {
      const settings = environment.resources?.[name] ?? {};
      const storage = settings.storage ?? declaration.storage;
      return {
        name,
        type: declaration.type,
        ...(declaration.version === undefined ? {} : { version: declaration.version }),
        ...(storage === undefined ? {} : { storage }),
        managed: settings.managed ?? fallback,
        ...(settings.class === undefined ? {} : { class: settings.class }),
        highAvailability: settings.highAvailability ?? false,
        usedBy: usedBy.sort(compareText),
        origin,
      };
    });
}

/** Kahn's algorithm with name order among ready nodes, so the order is stable; cycles keep name order at the end. */
function dependencyOrder(services: ResolvedService[]): ResolvedService[] {
  const remaining = new Map(services.map((s) => [s.name, s]));
  const ordered: ResolvedService[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.values()].filter((s) => s.dependsOn.every((d) => !remaining.has(d))).sort((a, b) => compareText(a.name, b.name));
    const next = ready[0] ?? [...remaining.values()].sort((a, b) => compareText(a.name, b.name))[0]!;
    ordered.push(next);
    remaining.delete(next.name);
  }
  return ordered;
}

/** The project's default reconciler applies to Kubernetes targets; others are updated by the update agent. */
function defaultReconciler(environment: EnvironmentInput, projectDefault: Reconciler | undefined): Reconciler {
  if (environment.runtime !== 'kubernetes') return 'update-agent';
  return projectDefault && projectDefault !== 'update-agent' ? projectDefault : 'flux';
}

function sortRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}
