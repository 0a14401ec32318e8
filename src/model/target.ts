import type { BlockReason, ResolvedEnvironment } from './resolved.js';

export type TargetStatus = 'ready' | 'blocked' | 'invalid';

/** The verdict on one environment: its model when it resolved, and why it is blocked if it is. */
export interface Target {
  name: string;
  status: TargetStatus;
  /** Absent when the environment did not resolve, or when a build reused its folder without resolving it again. */
  model?: ResolvedEnvironment;
  /** What the root files say of it; present whenever it resolved or was reused. */
  summary?: TargetSummary;
  blockReasons: BlockReason[];
}

/** The few facts of a target that the project-wide files (index.json, README.md) list. */
export interface TargetSummary {
  mode: ResolvedEnvironment['mode'];
  tier: ResolvedEnvironment['tier'];
  provider: ResolvedEnvironment['provider'];
  runtime: ResolvedEnvironment['runtime'];
  release: string;
}

export function summarize(model: ResolvedEnvironment): TargetSummary {
  return { mode: model.mode, tier: model.tier, provider: model.provider, runtime: model.runtime, release: model.release.version };
}
