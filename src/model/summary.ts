import type { ChartReference } from './chart.js';
import type { AttestationPolicy, ProvisioningPolicy, SecretsPolicy, TargetPolicy } from './inputs.js';
import type { BlockReason } from './resolved.js';

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

