import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import { serviceEnvironment, type ComposedEnvEntry, type SecretEnvEntry } from './connections.js';
import { containerResources, noOptionValues, optionValues, type ExtraContainerValues, type OptionValues } from './options.js';

export { generatedSecretName, infraSecretName } from './secret-names.js';
/** Namespaces allowed in by each service's NetworkPolicy when they have a reason to reach it. */
const ingressControllerNamespace = 'ingress-nginx';
const monitoringNamespace = 'monitoring';
export const aiGatewayName = 'ai-gateway';
export const digestPinned = /@sha256:[a-f0-9]{64}$/;

type ChartRole = ResolvedService['role'] | 'gateway';

/** One values file of the application chart, as generators/chart/values.schema.json describes it. */
export interface ChartValues extends OptionValues {
  name: string;
  role: ChartRole;
  environment: { name: string; mode: string; tier: string };
  image: { reference: string; pullPolicy: 'IfNotPresent' };
  command: string[];
  env: Record<string, string>;
  /** Variables read from Secrets of the namespace, sorted by name; none of them is also in `env`. */
  secretEnv: SecretEnvEntry[];
  /** Variables made from the ones above (`$(NAME)`): the URL forms of embedded stores, sorted by name. */
  composedEnv: ComposedEnvEntry[];
  /** The pods' own ServiceAccount (workload identity: EKS Pod Identity associates a role with it), or none: the namespace's default. */
  serviceAccount: { create: boolean; name: string; annotations: Record<string, string> };
  ports: Array<{ name: string; port: number }>;
  replicas: number;
  autoscaling: { enabled: boolean; minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number };
  strategy: 'rolling' | 'blue-green' | 'recreate';
  resources: ExtraContainerValues['resources'];
  health: { type: 'none' } | { type: 'http'; path: string; port: string } | { type: 'exec'; command: string[] };
  podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
  migrations: { enabled: boolean; command: string[] };
  seed: { enabled: boolean; command: string[] };
  ingress: {
    enabled: boolean;
    className: string;
    host: string;
    port: string;
    annotations: Record<string, string>;
    tls: { enabled: boolean; clusterIssuer: string; secretName: string };
  };
  monitoring: {
    labels: Record<string, string>;
    serviceMonitor: { enabled: boolean; path: string; port: string; interval: string };
    alerts: Array<{ name: string; expr: string; for?: string; severity: string }>;
  };
  networkPolicy: { enabled: boolean; ingressNamespaces: string[]; restrictEgress: boolean; egressCidrs: string[] };
  branding: {
    enabled: boolean;
    name: string;
    primaryColor: string;
    logoUrl: string;
    billing: { isolated: boolean; accountRef: string; reference: string };
  };
}

const defaultTargetCpuPercent = 80;
const clusterIssuer = 'letsencrypt-production';

export function serviceValues(environment: ResolvedEnvironment, service: ResolvedService): ChartValues {
  const ports = service.ports.map((port) => ({ name: port.name, port: port.port }));
  const { min, max, targetCpuPercent } = service.scaling;
  const autoscale = min >= 1 && max > min;
  const metrics = environment.infrastructure.observability.metrics === 'prometheus' ? service.monitoring : undefined;
  const ingress = ingressFor(environment, service.name);
  const { env, secretEnv, composedEnv } = serviceEnvironment(environment, service);
  const scheduled = service.options.schedule !== undefined;
  const options = optionValues(service);
  // Every key written out, no spread: a literal of one fixed shape is several times cheaper to build
  // than one grown by spreading, and a fleet builds one per service per environment.
  return {
    name: service.name,
    role: service.role,
    environment: environmentValues(environment),
    image: { reference: service.image ?? '', pullPolicy: 'IfNotPresent' },
    command: service.command ?? [],
    env,
    secretEnv,
    composedEnv,
    serviceAccount: serviceAccount(environment, service),
    ports,
    replicas: Math.max(min, 0),
    autoscaling: { enabled: autoscale && !scheduled, minReplicas: Math.max(min, 1), maxReplicas: Math.max(max, 1), targetCPUUtilizationPercentage: targetCpuPercent ?? defaultTargetCpuPercent },
    // A scheduler must never run twice, not even during a rollout, nor may two pods hold a ReadWriteOnce volume;
    // blue-green needs a Service to switch.
    strategy: service.role === 'scheduler' || service.options.volumes.length > 0 ? 'recreate' : service.strategy === 'blue-green' && ports.length > 0 ? 'blue-green' : 'rolling',
    resources: containerResources(service.resources),
    health: healthValues(service.health),
    // A scheduled service's pods are Jobs: no budget or autoscaler applies to them.
    podDisruptionBudget: { enabled: !scheduled && (autoscale || min >= 1), maxUnavailable: 1 },
    migrations: { enabled: service.migrations !== undefined, command: service.migrations?.command ?? [] },
    seed: { enabled: service.seed !== undefined, command: service.seed?.command ?? [] },
    ingress,
    monitoring: {
      labels: {},
      serviceMonitor: { enabled: metrics?.metrics !== undefined, path: metrics?.metrics?.path ?? '/metrics', port: metrics?.metrics?.port ?? '', interval: '30s' },
      alerts: (metrics?.alerts ?? []).map((alert) => ({ name: alert.name, expr: alert.expr, ...(alert.for === undefined ? {} : { for: alert.for }), severity: alert.severity })),
    },
    networkPolicy: networkPolicy(environment, [...(ingress.enabled ? [ingressControllerNamespace] : []), ...(metrics?.metrics ? [monitoringNamespace] : [])]),
    branding: branding(environment),
    schedule: options.schedule,
    podLabels: options.podLabels,
    podAnnotations: options.podAnnotations,
    nodeSelector: options.nodeSelector,
    tolerations: options.tolerations,
    affinity: options.affinity,
    podSecurityContext: options.podSecurityContext,
    containerSecurityContext: options.containerSecurityContext,
    persistence: options.persistence,
    configFiles: options.configFiles,
    initContainers: options.initContainers,
    sidecars: options.sidecars,
  };
}

/**
 * A service that reaches object storage with its own cloud identity runs under a ServiceAccount named
 * after it; the target's Terraform associates the bucket's role with (namespace, that name). The
 * account is made in k8s/, not by the chart, so it exists before the chart's pre-install migration
 * hook runs under it, and it outlives any one release.
 */
function serviceAccount(environment: ResolvedEnvironment, service: ResolvedService): ChartValues['serviceAccount'] {
  // Annotations (IRSA, Workload Identity) go on the account in k8s/, which the chart does not make.
  return hasOwnServiceAccount(environment, service) ? { create: false, name: service.name, annotations: {} } : { create: false, name: '', annotations: {} };
}

/** Runs under its own ServiceAccount, named after it: for workload identity, or because service.json declares one. */
export function hasOwnServiceAccount(environment: ResolvedEnvironment, service: ResolvedService): boolean {
  return usesWorkloadIdentity(environment, service) || service.options.serviceAccount !== undefined;
}

export function usesWorkloadIdentity(environment: ResolvedEnvironment, service: ResolvedService): boolean {
  return environment.resources.some((resource) => resource.connection.workloadIdentity && service.usesResources.includes(resource.name));
}

function healthValues(health: ResolvedService['health']): ChartValues['health'] {
  if (!health) return { type: 'none' };
  return 'command' in health ? { type: 'exec', command: health.command } : { type: 'http', path: health.path, port: health.port };
}

/** Enterprise targets with `aiGateway.enabled`: the private gateway as one more in-cluster service, never exposed. */
export function aiGatewayValues(environment: ResolvedEnvironment): ChartValues | undefined {
  const gateway = environment.infrastructure.aiGateway;
  if (!gateway) return undefined;
  if (environment.services.some((service) => service.name === aiGatewayName)) {
    throw new BugError(`${environment.name}: a service named ${aiGatewayName} reached the generator; the helm-values check refuses it`);
  }
  if (environment.tier === 'production' && !digestPinned.test(gateway.image)) {
    throw new BugError(`${environment.name}: an unpinned production AI gateway image reached the generator; the helm-values check refuses it`);
  }
  const replicas = environment.tier === 'production' ? 2 : 1;
  return {
    name: aiGatewayName,
    role: 'gateway',
    environment: environmentValues(environment),
    image: { reference: gateway.image, pullPolicy: 'IfNotPresent' },
    command: [],
    env: {},
    secretEnv: [],
    composedEnv: [],
    serviceAccount: { create: false, name: '', annotations: {} },
    ports: [{ name: 'http', port: 4000 }],
    replicas,
    autoscaling: { enabled: false, minReplicas: replicas, maxReplicas: replicas, targetCPUUtilizationPercentage: defaultTargetCpuPercent },
    strategy: 'rolling',
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    health: { type: 'http', path: '/health/readiness', port: 'http' },
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    migrations: { enabled: false, command: [] },
    seed: { enabled: false, command: [] },
    ingress: noIngress(),
    monitoring: { labels: {}, serviceMonitor: { enabled: false, path: '/metrics', port: '', interval: '30s' }, alerts: [] },
    networkPolicy: networkPolicy(environment, []),
    branding: { ...branding(environment), enabled: false },
    ...noOptionValues(),
  };
}

function environmentValues(environment: ResolvedEnvironment): ChartValues['environment'] {
  return { name: environment.name, mode: environment.mode, tier: environment.tier };
}

/**
 * The Ingress of a public service: the target's domain (a white-label tenant's custom domain) with a
 * cert-manager certificate. When several services are public, the proxy (or the first) takes the
 * domain itself and the others `<service>.<domain>`.
 */
function ingressFor(environment: ResolvedEnvironment, serviceName: string): ChartValues['ingress'] {
  const endpoints = environment.infrastructure.publicEndpoints;
  const endpoint = endpoints.find((candidate) => candidate.service === serviceName);
  if (!endpoint) return noIngress();
  const proxy = environment.services.find((service) => service.role === 'proxy' && endpoints.some((e) => e.service === service.name));
  const primary = proxy?.name ?? endpoints[0]!.service;
  const domain = environment.infrastructure.dns.domain;
  const host = domain === undefined ? '' : primary === serviceName ? domain : `${serviceName}.${domain}`;
  return {
    enabled: true,
    className: 'nginx',
    host,
    port: endpoint.port,
    annotations: {},
    tls: { enabled: host !== '', clusterIssuer, secretName: host === '' ? '' : `${serviceName}-tls` },
  };
}

function noIngress(): ChartValues['ingress'] {
  return { enabled: false, className: 'nginx', host: '', port: '', annotations: {}, tls: { enabled: false, clusterIssuer, secretName: '' } };
}

/** Enterprise: egress only to this namespace, cluster DNS and the private network; everyone: ingress only from where it is needed. */
function networkPolicy(environment: ResolvedEnvironment, ingressNamespaces: string[]): ChartValues['networkPolicy'] {
  const enterprise = environment.mode === 'enterprise';
  return { enabled: true, ingressNamespaces, restrictEgress: enterprise, egressCidrs: enterprise ? [environment.infrastructure.network.cidr] : [] };
}

function branding(environment: ResolvedEnvironment): ChartValues['branding'] {
  const whiteLabel = environment.mode === 'white-label' ? environment.infrastructure.whiteLabel : undefined;
  const accountRef = whiteLabel?.billing?.accountRef ?? '';
  return {
    enabled: whiteLabel?.brand !== undefined,
    name: whiteLabel?.brand?.name ?? '',
    primaryColor: whiteLabel?.brand?.primaryColor ?? '',
    logoUrl: whiteLabel?.brand?.logoUrl ?? '',
    billing: {
      isolated: whiteLabel?.billing?.isolated ?? false,
      accountRef,
      reference: (accountRef && environment.secrets.infraReferences[accountRef]) || '',
    },
  };
}
