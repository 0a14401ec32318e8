import type { ResolvedAddon } from './addons.js';
import type { ConnectionVariable, ResourceConnection } from './bindings.js';
import type { ChartReference } from './chart.js';
import type { EnvironmentExtras } from './extras.js';
import type { Infrastructure } from './infrastructure.js';
import type { Alert, ComputeResources, HealthCheck, Mode, Provider, Reconciler, ReleaseInput, ResourceType, Role, Runtime, Tier } from './inputs.js';
import type { ResolvedServiceOptions } from './service-options.js';
import type { CommitKey, Origin, SecretsFile, TrustedKey } from './source.js';

/** One service as it runs in one environment: overrides applied, image bound from the release. */
export interface ResolvedService {
  name: string;
  role: Role;
  /** The image reference from the bound release, or undefined when the release lacks it. */
  image: string | undefined;
  /** The repository service.json names (no tag, no digest): what to call the image when the release lacks one. */
  imageRepository: string;
  /** The one-line `description`, when it says anything. */
  description: string | undefined;
  /** What the container runs; undefined keeps the image's own command. */
  command: string[] | undefined;
  ports: ResolvedPort[];
  /** How to tell the service is ready; undefined when it declares no check. */
  health: HealthCheck | undefined;
  /** Run once before the new version starts. */
  migrations: { command: string[] } | undefined;
  /** Foundation data, loaded once after the migrations. */
  seed: { command: string[] } | undefined;
  monitoring: { metrics: { path: string; port: string } | undefined; alerts: Alert[] };
  /** Plain environment variables after the environment's overrides. */
  env: Record<string, string>;
  scaling: { min: number; max: number; targetCpuPercent?: number };
  resources: ComputeResources;
  strategy: 'rolling' | 'blue-green';
  /** Services of this environment this one depends on, sorted. */
  dependsOn: string[];
  /** Resources (by name) this service uses, sorted. */
  usesResources: string[];
  secretNames: string[];
  /** What it receives to reach each resource it uses (the connection contract), sorted by name. */
  connections: ConnectionVariable[];
  /** Volumes, config files, placement, identity, extra containers, schedule (src/resolve/service-options.ts). */
  options: ResolvedServiceOptions;
  /** The service's `service.json`, for findings about the service. */
  origin: Origin;
}

export interface ResolvedPort {
  name: string;
  port: number;
  expose: 'public' | 'internal';
}

export interface ResolvedResource {
  name: string;
  type: ResourceType;
  version?: string;
  storage?: string;
  /** Run by the provider (RDS, ElastiCache, Spaces …) rather than beside the services. */
  managed: boolean;
  class?: string;
  highAvailability: boolean;
  usedBy: string[];
  /** How the services reach it on this target. */
  connection: ResourceConnection;
  /** The declaration in a service's `dependencies.resources` that gave the version (else the first one). */
  origin: Origin;
}

/** A secret Slipway generates: one value per environment, shared by every service declaring the name. */
export interface GeneratedSecret {
  name: string;
  generate: 'random' | 'password' | 'laravel-app-key';
  /** Characters of a random or password value: the largest asked for, never below the policy's minimum. */
  length: number;
  services: string[];
}

/** A secret kept by the infrastructure: only its reference ever travels, never a value. */
export interface InfraSecret {
  name: string;
  reference: string | undefined;
  services: string[];
}

export interface EnvironmentSecrets {
  generated: GeneratedSecret[];
  infra: InfraSecret[];
  /** Who can decrypt: the environment's recipients and the secrets policy's, sorted, without repeats. */
  recipients: string[];
  /** The encrypted file from `secrets/<env>.sops.yaml`, carried into the output byte for byte. */
  file: SecretsFile | undefined;
  /**
   * `file` in sops' dotenv form, still encrypted (the same values, MAC and age blocks), for runtimes
   * that read secrets as an env file; or why this file has no such form. Undefined without a file.
   */
  dotenv: { bytes: Uint8Array } | { problem: string } | undefined;
  /** Every `infraSecrets` entry of the environment, sorted by name: where each value the infrastructure holds lives. */
  infraReferences: Readonly<Record<string, string>>;
}

export type BlockCause = 'license-revoked' | 'attestation' | 'runtime-unsupported' | 'backup-missing' | 'release-revoked';

export interface BlockReason {
  cause: BlockCause;
  message: string;
}

/**
 * The runtime's version. Documents name only what the environment declared; what gets provisioned
 * falls back to Slipway's default for the runtime. ECS has no version of its own.
 */
export interface RuntimeVersion {
  declared: string | undefined;
  /** The declared version, else Kubernetes 1.31 or Compose 2.20 (always Compose on bare metal, which Ansible installs); undefined only on ECS. */
  effective: string | undefined;
}

export interface ResolvedEnvironment {
  name: string;
  /** The one-line `description`, when it says anything. */
  description: string | undefined;
  mode: Mode;
  tier: Tier;
  provider: Provider;
  runtime: Runtime;
  runtimeVersion: RuntimeVersion;
  /** The license id the target runs under, when it has one. */
  license: string | undefined;
  reconciler: Reconciler;
  release: ReleaseInput;
  /** Services in dependency order (dependencies first), ties broken by name. */
  services: ResolvedService[];
  resources: ResolvedResource[];
  secrets: EnvironmentSecrets;
  infrastructure: Infrastructure;
  /** Public keys whose signatures this target accepts for updates (`keys/*.pub.pem`). */
  trustedKeys: readonly TrustedKey[];
  /**
   * OpenPGP keys (`keys/*.pub.asc`) deploy commits are signed with: Kubernetes targets have their
   * reconciler verify every commit against them. None: commits are not verified.
   */
  commitKeys: readonly CommitKey[];
  /** The project's application Helm chart (slipway.yaml `chart`, or the default): what Kubernetes targets install. */
  chart: ChartReference;
  /** Third-party charts deployed beside the application, sorted by name; none outside Kubernetes. */
  addons: ResolvedAddon[];
  /** Patches, extra manifests and the Compose override, from the overlays it names and its own file. */
  extras: EnvironmentExtras;
  /** The environment's YAML file, for findings about the target as a whole. */
  origin: Origin;
}
