import type { EnvironmentInput, ProjectSettings, Provider, Runtime } from '../model/inputs.js';
import type { InfraSecret, ResolvedService } from './model.js';

/**
 * The infrastructure primitives of one target (SPEC §2), decided once here so every generator —
 * Compose, Helm, Terraform, Ansible, the runbook — tells the same story about the same target.
 */
export interface Infrastructure {
  /** Kubernetes namespace, Compose project name, and resource name prefix: the environment's name. */
  namespace: string;
  region: string | undefined;
  compute: {
    platform: ComputePlatform;
    /** Services that request GPUs (a GPU node group / GPU droplet / device reservation). */
    gpuServices: string[];
  };
  network: {
    /** The VPC's CIDR: the enterprise one when given, else a per-provider default. */
    cidr: string;
    /** A dedicated VPC for this target alone (enterprise private cloud). */
    dedicated: boolean;
  };
  /** Ports that face the internet, by service: served through the load balancer. */
  publicEndpoints: Array<{ service: string; port: string; number: number }>;
  loadBalancer: { kind: 'alb' | 'digitalocean' | 'nginx' } | undefined;
  cdn: { enabled: boolean; waf: boolean };
  dns: {
    domain: string | undefined;
    zone: 'route53' | 'digitalocean' | 'external';
    certificate: 'acm' | 'cert-manager' | 'lets-encrypt' | 'none';
  };
  /** Where the infrastructure-held secrets live, by reference kind. */
  secretStores: Array<'aws-secrets-manager' | 'vault' | 'digitalocean' | 'host-environment'>;
  observability: {
    logs: 'stdout' | 'loki' | 'cloudwatch';
    metrics: 'prometheus' | 'cloudwatch' | 'none';
    alerting: { receiver: 'pagerduty' | 'slack' | 'email' | 'opsgenie'; ref: string; reference: string | undefined } | undefined;
  };
  backups: { schedule: string; retentionDays: number } | undefined;
  /** Object storage without any public access (enterprise `privateStorage`). */
  privateStorage: boolean;
  aiGateway: { image: string } | undefined;
  whiteLabel: EnvironmentInput['whiteLabel'];
  sso: NonNullable<EnvironmentInput['enterprise']>['sso'];
  /** Where reconcilers pull this environment from. */
  deploy: { repository: string | undefined; branch: string; path: string };
}

export type ComputePlatform = 'eks' | 'ecs-fargate' | 'doks' | 'droplet' | 'ec2' | 'bare-metal';

/** Default AI gateway for enterprise targets that enable one without naming an image. */
export const defaultAiGatewayImage = 'ghcr.io/berriai/litellm:main-stable';

const defaultCidr: Record<Provider, string> = { aws: '10.0.0.0/16', digitalocean: '10.10.0.0/16', 'bare-metal': '172.20.0.0/16' };

export function resolveInfrastructure(
  name: string,
  input: EnvironmentInput,
  services: readonly ResolvedService[],
  infraSecrets: readonly InfraSecret[],
  settings: ProjectSettings | undefined,
): Infrastructure {
  const publicEndpoints = services.flatMap((service) =>
    (service.input.ports ?? []).filter((port) => port.expose === 'public').map((port) => ({ service: service.name, port: port.name, number: port.port })),
  );
  const cloud = input.provider !== 'bare-metal';
  const servesPublic = publicEndpoints.length > 0;
  const cdnEnabled = cloud && input.runtime !== 'compose' && servesPublic && (input.mode === 'saas' || input.mode === 'white-label');
  const references = [...Object.values(input.infraSecrets ?? {}), ...infraSecrets.flatMap((secret) => (secret.reference ? [secret.reference] : []))];
  const alerting = input.monitoring?.alerting;
  return {
    namespace: name,
    region: input.region,
    compute: { platform: computePlatform(input.provider, input.runtime), gpuServices: services.filter((s) => (s.resources.gpu ?? 0) > 0).map((s) => s.name) },
    network: { cidr: input.enterprise?.vpc?.cidr ?? defaultCidr[input.provider], dedicated: input.enterprise?.vpc !== undefined },
    publicEndpoints,
    loadBalancer: !servesPublic ? undefined : input.runtime === 'compose' ? { kind: 'nginx' } : input.provider === 'aws' ? { kind: 'alb' } : { kind: 'digitalocean' },
    cdn: { enabled: cdnEnabled, waf: cdnEnabled && input.provider === 'aws' },
    dns: {
      domain: input.domain,
      zone: input.domain === undefined ? 'external' : input.provider === 'aws' ? 'route53' : input.provider === 'digitalocean' ? 'digitalocean' : 'external',
      certificate: input.domain === undefined ? 'none' : input.runtime === 'kubernetes' ? 'cert-manager' : input.provider === 'aws' && input.runtime === 'ecs' ? 'acm' : 'lets-encrypt',
    },
    secretStores: secretStoreKinds(references),
    observability: {
      logs: input.monitoring?.logs ?? (input.runtime === 'ecs' ? 'cloudwatch' : 'stdout'),
      metrics: input.monitoring?.metrics ?? (input.runtime === 'kubernetes' ? 'prometheus' : input.runtime === 'ecs' ? 'cloudwatch' : 'none'),
      alerting: alerting ? { receiver: alerting.receiver, ref: alerting.ref, reference: input.infraSecrets?.[alerting.ref] } : undefined,
    },
    backups: input.backups ? { schedule: input.backups.schedule, retentionDays: input.backups.retentionDays } : undefined,
    privateStorage: input.enterprise?.privateStorage ?? false,
    aiGateway: input.enterprise?.aiGateway?.enabled ? { image: input.enterprise.aiGateway.image ?? defaultAiGatewayImage } : undefined,
    whiteLabel: input.whiteLabel,
    sso: input.enterprise?.sso,
    deploy: { repository: settings?.deployRepo, branch: settings?.branch ?? 'main', path: `environments/${name}` },
  };
}

function computePlatform(provider: Provider, runtime: Runtime): ComputePlatform {
  if (provider === 'bare-metal') return 'bare-metal';
  if (runtime === 'kubernetes') return provider === 'aws' ? 'eks' : 'doks';
  if (runtime === 'ecs') return 'ecs-fargate';
  return provider === 'aws' ? 'ec2' : 'droplet';
}

function secretStoreKinds(references: readonly string[]): Infrastructure['secretStores'] {
  const kinds = new Set<Infrastructure['secretStores'][number]>();
  for (const reference of references) {
    if (reference.startsWith('arn:aws:secretsmanager:')) kinds.add('aws-secrets-manager');
    else if (reference.startsWith('vault:')) kinds.add('vault');
    else if (reference.startsWith('do:')) kinds.add('digitalocean');
    else if (reference.startsWith('env:')) kinds.add('host-environment');
  }
  return [...kinds].sort();
}
