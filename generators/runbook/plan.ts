import type { BlockReason, ResolvedEnvironment } from '../../src/model/index.js';
import { planGraph, type PlanGraph } from './graph.js';
import { provisioningSteps, type StepId } from './steps.js';

/**
 * `plan.json`: the provisioning runbook of one environment, for machines. Shape (all keys always
 * present unless marked optional; arrays keep their meaningful order, object keys are sorted on output):
 *
 * ```jsonc
 * {
 *   "apiVersion": "slipway.dev/v1",
 *   "kind": "ProvisioningPlan",
 *   "environment": "eu-prod", "release": "2026.11.2",
 *   "mode": "saas", "tier": "production", "provider": "aws", "runtime": "kubernetes",
 *   "steps": [                                    // always the ten steps, in this order
 *     { "number": 1, "id": "allocate-target", "title": "Allocate the target",
 *       "actions": [                              // never empty
 *         { "description": "…",                   // one line, plain text
 *           "command": ["terraform", "-chdir=terraform", "apply"],   // optional argv, never a shell string
 *           "files": ["terraform/"] }             // optional; paths in environments/<env>/, a folder ends in "/"
 *       ] }
 *   ],
 *   "graph": {                                    // the dependency DAG the README draws
 *     "nodes": [{ "id": "service:api", "kind": "service", "name": "api", "role": "api" },
 *               { "id": "resource:database", "kind": "resource", "name": "database", "type": "postgres", "managed": true }],
 *     "edges": [{ "from": "service:api", "to": "resource:database" }]   // "from" depends on "to"
 *   },
 *   "blockReasons": [{ "cause": "…", "message": "…" }]   // optional: only `slipway plan` of a blocked target
 * }
 * ```
 *
 * Commands run from the environment's folder of the deploy repository unless the description says
 * where else (on the host, inside the service's image, from the unpacked bundle).
 */
export interface ProvisioningPlan {
  apiVersion: 'slipway.dev/v1';
  kind: 'ProvisioningPlan';
  environment: string;
  release: string;
  mode: string;
  tier: string;
  provider: string;
  runtime: string;
  steps: PlanStep[];
  graph: PlanGraph;
  blockReasons?: BlockReason[];
}

export interface PlanStep {
  number: number;
  id: StepId;
  title: string;
  actions: PlanAction[];
}

export interface PlanAction {
  description: string;
  command?: string[];
  files?: string[];
}

/** The runbook of one environment: a pure function of its model. */
export function provisioningPlan(environment: ResolvedEnvironment, blockReasons: readonly BlockReason[] = []): ProvisioningPlan {
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
    ...(blockReasons.length > 0 ? { blockReasons: blockReasons.map(({ cause, message }) => ({ cause, message })) } : {}),
  };
}
