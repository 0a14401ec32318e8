import { createHash } from 'node:crypto';
import { UsageError } from '../core/errors.js';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const match = /^([0-9]+)\/([0-9]+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new UsageError(`--shard takes K/N with 1 ≤ K ≤ N, e.g. 2/4; not ${JSON.stringify(value)}`);
  return { index, count };
}

/**
 * Whether an environment belongs to a shard. By a hash of its name, not its position, so adding
 * an environment never moves the others to another shard.
 */
export function inShard(environment: string, shard: Shard): boolean {
  const hash = createHash('sha256').update(environment).digest().readUInt32BE(0);
  return hash % shard.count === shard.index - 1;
}
