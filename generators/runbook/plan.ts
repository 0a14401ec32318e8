import type { BlockReason, PlanAction, ProvisioningPlan, ResolvedEnvironment } from '../../src/model/index.js';
import type { RunbookSubject } from './rendered.js';
import { planConnections } from './connections.js';
import { planGraph } from './graph.js';
import { provisioningSteps } from './steps.js';

export type { PlanAction, ProvisioningPlan } from '../../src/model/index.js';

/** The runbook of one environment: a pure function of its model. */
export function provisioningPlan(environment: RunbookSubject, blockReasons: readonly BlockReason[] = []): ProvisioningPlan {
  return {
    apiVersion: 'slipway.dev/v1',
    kind: 'ProvisioningPlan',
    environment: environment.name,
    release: environment.release.version,
    mode: environment.mode,
    tier: environment.tier,
    provider: environment.provider,
    runtime: environment.runtime,
    steps: provisioningSteps.map((step, index) => ({ number: index + 1, id: step.id, title: step.title, actions: step.actions(environment) })),
    graph: planGraph(environment),
    connections: planConnections(environment),
    ...(blockReasons.length > 0 ? { blockReasons: blockReasons.map(({ cause, message }) => ({ cause, message })) } : {}),
  };
}
