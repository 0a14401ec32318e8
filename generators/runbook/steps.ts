import type { ResolvedEnvironment, StepId } from '../../src/model/index.js';
import type { RunbookSubject } from './rendered.js';
import { activateLicense, bindRelease, runMigrations, seedFoundationData } from './actions-application.js';
import { lockInstaller, recordAuditEvent, runHealthChecks } from './actions-operation.js';
import { allocateTarget, injectSecrets, validateRuntime } from './actions-target.js';
import type { PlanAction } from './plan.js';

/**
 * The ten provisioning steps of the seed, in the order they run. This list is the one place the
 * steps are defined: plan.json, plan.md and `slipway plan` are all rendered from it.
 */
export const provisioningSteps = [
  { id: 'allocate-target', title: 'Allocate the target', actions: allocateTarget },
  { id: 'validate-runtime', title: 'Validate the runtime', actions: validateRuntime },
  { id: 'inject-secrets', title: 'Inject secrets', actions: injectSecrets },
  { id: 'run-migrations', title: 'Run migrations', actions: runMigrations },
  { id: 'seed-foundation-data', title: 'Seed foundation data', actions: seedFoundationData },
  { id: 'activate-license', title: 'Activate the license', actions: activateLicense },
  { id: 'bind-release', title: 'Bind the release', actions: bindRelease },
  { id: 'run-health-checks', title: 'Run health checks', actions: runHealthChecks },
  { id: 'lock-installer', title: 'Lock the installer', actions: lockInstaller },
  { id: 'record-audit-event', title: 'Record the audit event', actions: recordAuditEvent },
] as const satisfies ReadonlyArray<{ id: StepId; title: string; actions: (environment: RunbookSubject) => PlanAction[] }>;

export type { StepId } from '../../src/model/index.js';

export const stepIds: readonly StepId[] = provisioningSteps.map((step) => step.id);
