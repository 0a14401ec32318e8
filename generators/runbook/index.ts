import { jsonBytes, textBytes } from '../../src/core/serialize.js';
import type { EnvironmentGenerator } from '../types.js';
import { provisioningPlan } from './plan.js';
import { environmentReadme, planMarkdown } from './render.js';
import { renderedFiles, type RunbookSubject } from './rendered.js';

export { provisioningPlan, type PlanAction, type ProvisioningPlan } from './plan.js';
export { planMarkdown } from './render.js';
export { stepIds } from './steps.js';
export { renderedFiles, type RunbookSubject } from './rendered.js';

/** plan.json as written: sorted keys, steps and actions in their order. */
export function planJsonBytes(plan: ReturnType<typeof provisioningPlan>): Uint8Array {
  return jsonBytes(plan);
}

/**
 * The provisioning runbook of every rendered environment: plan.json for machines, plan.md and
 * README.md (with the Mermaid dependency graph) for people. All three come from one plan value.
 */
export const runbookGenerator: EnvironmentGenerator = {
  name: 'runbook',
  scope: 'environment',
  description: 'the provisioning runbook (plan.json, plan.md) and this README',
  // Runs after every other generator: the runbook and README name exactly the files they rendered.
  dependsOn: 'all',
  appliesTo: () => true,
  generate(environment, context) {
    const subject: RunbookSubject = { ...environment, rendered: renderedFiles(context.produced) };
    const plan = provisioningPlan(subject, context.blockReasons);
    return [
      { path: 'plan.json', bytes: planJsonBytes(plan) },
      { path: 'plan.md', bytes: textBytes(planMarkdown(plan)) },
      { path: 'README.md', bytes: textBytes(environmentReadme(subject, plan)) },
    ];
  },
};
