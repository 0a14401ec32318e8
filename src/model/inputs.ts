/**
 * The input files as TypeScript sees them once their JSON Schema has accepted them.
 * These mirror `schemas/*.schema.json`; the schema is the authority, these types only let the
 * pipeline read what the schema already checked.
 */
import type { AddonInput } from './addons.js';

import type { ServiceOptionsInput, ServiceOptionsOverrideInput } from './service-options.js';

export type Role = 'api' | 'frontend' | 'worker' | 'scheduler' | 'websocket' | 'proxy' | 'agent';
export type Mode = 'saas' | 'self-hosted' | 'white-label' | 'enterprise';
export type Tier = 'production' | 'staging' | 'preview' | 'development';
export type Provider = 'aws' | 'digitalocean' | 'bare-metal';
export type Runtime = 'kubernetes' | 'ecs' | 'compose';
export type Reconciler = 'flux' | 'argocd' | 'update-agent';
export type ResourceType = 'postgres' | 'mysql' | 'redis' | 'object-storage';

export interface PortSpec {
  name: string;
  port: number;
  /** Defaults to internal. */
  expose?: 'public' | 'internal';
}

export type SecretSpec = { generate: 'random' | 'password' | 'laravel-app-key'; length?: number } | { from: 'infra' };

export interface ResourceDependency {
  name: string;
  type: ResourceType;
  version?: string;
  storage?: string;
  /** How this service names the connection variables: a prefix for all, or renames of single ones. */
  env?: { prefix?: string; names?: Record<string, string> };
}

export interface ComputeResources {
  cpu?: string;
  memory?: string;
  gpu?: number;
}

export interface Scaling {
  min?: number;
  max?: number;
  targetCpuPercent?: number;
}

export type HealthCheck = { path: string; port: string } | { command: string[] };

export interface Alert {
  name: string;
  expr: string;
  for?: string;
  severity: 'page' | 'ticket' | 'info';
}

export interface ServiceInput extends ServiceOptionsInput {
  name: string;
  description?: string;
  role: Role;
  image: string;
  command?: string[];
  ports?: PortSpec[];
  env?: Record<string, string>;
  secrets?: Record<string, SecretSpec>;
  dependencies?: { services?: string[]; resources?: ResourceDependency[] };
  resources?: ComputeResources;
  scaling?: Scaling;
  health?: HealthCheck;
  migrations?: { command: string[] };
  seed?: { command: string[] };
  deployment?: { strategy?: 'rolling' | 'blue-green'; cloud?: { preferred_providers?: Provider[] } };
  monitoring?: { metrics?: { path: string; port: string }; alerts?: Alert[] };
}

export interface ServiceOverride extends ServiceOptionsOverrideInput {
  env?: Record<string, string>;
  scaling?: Scaling;
  resources?: ComputeResources;
}

export interface ResourceSettings {
  managed?: boolean;
  class?: string;
  highAvailability?: boolean;
  storage?: string;
}

export interface EnvironmentInput {
  name: string;
  description?: string;
  mode: Mode;
  tier: Tier;
  provider: Provider;
  runtime: Runtime;
  release: string;
  region?: string;
  runtimeVersion?: string;
  services?: string[];
  overrides?: { services?: Record<string, ServiceOverride> };
  resources?: Record<string, ResourceSettings>;
  domain?: string;
  license?: string;
  backups?: { schedule: string; retentionDays: number };
  secrets?: { recipients?: string[] };
  infraSecrets?: Record<string, string>;
  vault?: { server: string; role: string; authPath?: string };
  monitoring?: {
    logs?: 'stdout' | 'loki' | 'cloudwatch';
    metrics?: 'prometheus' | 'cloudwatch' | 'none';
    alerting?: { receiver: 'pagerduty' | 'slack' | 'email' | 'opsgenie'; ref: string };
  };
  whiteLabel?: {
    brand?: { name: string; primaryColor?: string; logoUrl?: string };
    billing?: { isolated?: boolean; accountRef?: string };
  };
  enterprise?: {
    vpc?: { cidr: string };
    sso?: { protocol: 'saml' | 'oidc'; metadataUrl?: string; issuer?: string };
    privateStorage?: boolean;
    aiGateway?: { enabled: boolean; image?: string };
  };
  reconciler?: Reconciler;
  /** Third-party charts deployed beside the application (Kubernetes targets). */
  addons?: Record<string, AddonInput>;
  /** Shared overlays (overlays/<name>/overlay.yaml) taken before the environment's own extras. */
  overlays?: string[];
  patches?: PatchInput[];
  manifests?: string[];
  composeOverride?: string;
}

/** A kustomize patch as an environment or overlay names it; `path` is relative to that file's folder. */
export interface PatchInput {
  path: string;
  target?: PatchTargetInput;
}

export interface PatchTargetInput {
  group?: string;
  version?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** overlays/<name>/overlay.yaml: extras several environments share. */
export interface OverlayInput {
  description?: string;
  patches?: PatchInput[];
  manifests?: string[];
  composeOverride?: string;
  /** Add-on charts every environment taking the overlay deploys; its own of the same name win. */
  addons?: Record<string, AddonInput>;
}

export interface ReleaseInput {
  version: string;
  images: Record<string, string>;
  migrations?: Record<string, { version: string; backwardCompatible: boolean }>;
}

export interface TargetPolicy {
  runtimes?: Partial<Record<Runtime, { minVersion?: string }>>;
  revokedLicenses?: string[];
  revokedReleases?: string[];
}

export interface ProvisioningPolicy {
  allowed?: Partial<Record<Mode, Partial<Record<Provider, Runtime[]>>>>;
  backupRequired?: { modes?: Mode[]; tiers?: Tier[] };
}

export interface SecretsPolicy {
  recipients?: string[];
  generated?: { minLength?: number };
}

export interface AttestationPolicy {
  requiredFor?: { tiers?: Tier[]; modes?: Mode[] };
  maxAgeDays?: number;
  results?: Record<string, { status: 'passed' | 'failed' | 'pending'; at?: string }>;
  /** Release keys that may no longer sign (key ids of keys/*.pub.pem), with why. */
  revokedKeys?: Array<{ keyId: string; reason?: string }>;
}

export interface ProjectSettings {
  deployRepo?: string;
  branch?: string;
  reconciler?: Reconciler;
  /** The application Helm chart Kubernetes targets use (`charts/<name>/` in the output). */
  chart?: { name?: string; version?: string };
}
