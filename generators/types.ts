import type { OutputFile } from '../src/core/output-file.js';
import type { AttestationPolicy, BlockReason, ChartReference, ProvisioningPolicy, ResolvedEnvironment, SecretsPolicy, TargetPolicy } from '../src/model/index.js';


/** What the project-wide generators see: every environment's verdict, in name order. */
export interface ProjectModel {
  environments: EnvironmentSummary[];
  policies: {
    target: TargetPolicy;
    provisioning: ProvisioningPolicy;
    secrets: SecretsPolicy;
    attestation: AttestationPolicy;
  };
  /** The application Helm chart, copied to `charts/<name>/` when a Kubernetes target uses it. */
  chart: ChartReference;
}

export interface EnvironmentSummary {
  name: string;
  mode: string;
  tier: string;
  provider: string;
  runtime: string;
  release: string;
  status: 'ready' | 'blocked';
  blockReasons: BlockReason[];
  /** sha256 of the environment's signed release.json, when one was written. */
  manifestSha256: string | null;
}

/** Renders files of the output root from the whole project's verdicts. */
export interface ProjectGenerator {
  name: string;
  scope: 'project';
  generate(model: ProjectModel): OutputFile[];
}

/** Renders files inside `environments/<env>/` for one environment that is not blocked. */
export interface EnvironmentGenerator {
  name: string;
  scope: 'environment';
  appliesTo(environment: ResolvedEnvironment): boolean;
  generate(environment: ResolvedEnvironment): OutputFile[];
}

export type Generator = ProjectGenerator | EnvironmentGenerator;
