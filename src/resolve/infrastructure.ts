import type { ComputePlatform, EnvironmentInput, InfraSecret, Infrastructure, ProjectSettings, Provider, ResolvedService, Runtime, Entity, Origin } from '../model/index.js';
import { digitalOceanDefaultRegion, spacesRegion } from './digitalocean.js';

/** Default AI gateway for enterprise targets that enable one without naming an image. */
export const defaultAiGatewayImage = 'ghcr.io/berriai/litellm:main-stable';

const defaultCidr: Record<Provider, string> = { aws: '10.0.0.0/16', digitalocean: '10.10.0.0/16', 'bare-metal': '172.20.0.0/16' };

export function resolveInfrastructure(
  name: string,
  origin: Origin,
  input: EnvironmentInput,
  services: readonly ResolvedService[],
  infraSecrets: readonly InfraSecret[],
  settingsEntity: Entity<ProjectSettings> | undefined,
): Infrastructure {
  const settings = settingsEntity?.value;
  const publicEndpoints = services.flatMap((service) =>
    service.ports.filter((port) => port.expose === 'public').map((port) => ({ service: service.name, port: port.name, number: port.port })),
  );
  const cloud = input.provider !== 'bare-metal';
  const servesPublic = publicEndpoints.length > 0;
  const cdnEnabled = cloud && input.runtime !== 'compose' && servesPublic && (input.mode === 'saas' || input.mode === 'white-label');
  const references = [...Object.values(input.infraSecrets ?? {}), ...infraSecrets.flatMap((secret) => (secret.reference ? [secret.reference] : []))];
  const alerting = input.monitoring?.alerting;
  return {
    namespace: name,
    // DigitalOcean makes everything in a region, so a target that names none gets the default one here.
    region: input.region ?? (input.provider === 'digitalocean' ? digitalOceanDefaultRegion : undefined),
    objectStorageRegion: input.provider === 'aws' ? input.region : input.provider === 'digitalocean' ? spacesRegion(input.region) : undefined,
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
    aiGateway: input.enterprise?.aiGateway?.enabled
      ? {
          image: input.enterprise.aiGateway.image ?? defaultAiGatewayImage,
          imageDeclared: input.enterprise.aiGateway.image !== undefined,
          origin: { source: origin.source, path: [...origin.path, 'enterprise', 'aiGateway'] },
        }
      : undefined,
    whiteLabel: input.whiteLabel,
    vault: input.vault ? { server: input.vault.server, role: input.vault.role, authPath: input.vault.authPath ?? 'kubernetes' } : undefined,
    sso: input.enterprise?.sso,
    deploy: {
      repository: settings?.deployRepo,
      branch: settings?.branch ?? 'main',
      path: `environments/${name}`,
      origin: settingsEntity && settings?.deployRepo !== undefined ? { source: settingsEntity.source, path: ['deployRepo'] } : undefined,
    },
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
