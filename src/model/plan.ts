import type { BlockReason } from './resolved.js';
import type { ResourceType, Role } from './inputs.js';

/** The ten provisioning steps of a runbook, in the order they run. */
export type StepId =
  | 'allocate-target'
  | 'validate-runtime'
  | 'inject-secrets'
  | 'run-migrations'
  | 'seed-foundation-data'
  | 'activate-license'
  | 'bind-release'
  | 'run-health-checks'
  | 'lock-installer'
  | 'record-audit-event';

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
  /** Every variable each service receives to reach its resources, and where its value comes from (never a secret's value). */
  connections: PlanConnection[];
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

export interface PlanGraph {
  nodes: GraphNode[];
  /** `from` depends on `to`: a service on a service it calls, or on a resource it uses. */
  edges: Array<{ from: string; to: string }>;
}

export type GraphNode =
  | { id: string; kind: 'service'; name: string; role: Role }
  | { id: string; kind: 'resource'; name: string; type: ResourceType; version?: string; managed: boolean };


/**
 * One variable with one source, and every service that receives it so: services sharing a
 * resource read the same names from the same place, so the runbook says it once.
 */
export interface PlanConnection {
  variable: string;
  /** The services receiving it from this source, sorted. */
  services: string[];
  resource: string;
  secret: boolean;
  /** Where the value comes from on this target, in words. */
  from: string;
}
