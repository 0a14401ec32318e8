import type { EnvironmentInput } from './inputs.js';
import type { Origin } from './source.js';

/**
 * The infrastructure primitives of one target (SPEC §2), decided once here so every generator —
 * Compose, Helm, Terraform, Ansible, the runbook — tells the same story about the same target.
 */
export interface Infrastructure {
  /** Kubernetes namespace, Compose project name, and resource name prefix: the environment's name. */
  namespace: string;
  region: string | undefined;
  /**
   * Where the target's buckets live: the target's region on AWS; on DigitalOcean the Spaces region
   * nearest to it (nyc1 keeps its buckets in nyc3); none elsewhere.
   */
  objectStorageRegion: string | undefined;
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
  /** `origin` is the environment's `enterprise.aiGateway`; `imageDeclared` tells its `image` from Slipway's default. */
  aiGateway: { image: string; imageDeclared: boolean; origin: Origin } | undefined;
  whiteLabel: EnvironmentInput['whiteLabel'];
  /** The HashiCorp Vault that `vault:` references are read from on Kubernetes, when the environment names one. */
  vault: { server: string; role: string; authPath: string } | undefined;
  sso: NonNullable<EnvironmentInput['enterprise']>['sso'];
  /** Where reconcilers pull this environment from. */
  /** `origin` is slipway.yaml's `deployRepo`, when the file sets it. */
  deploy: { repository: string | undefined; branch: string; path: string; origin: Origin | undefined };
}

export type ComputePlatform = 'eks' | 'ecs-fargate' | 'doks' | 'droplet' | 'ec2' | 'bare-metal';

