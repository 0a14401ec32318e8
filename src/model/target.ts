import type { BlockReason, ResolvedEnvironment } from './resolved.js';

export type TargetStatus = 'ready' | 'blocked' | 'invalid';

/** The verdict on one environment: its model when it resolved, and why it is blocked if it is. */
export interface Target {
  name: string;
  status: TargetStatus;
  model?: ResolvedEnvironment;
  blockReasons: BlockReason[];
}

