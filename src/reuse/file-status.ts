import type { Stats } from 'node:fs';
import { lstatSync } from 'node:fs';
import { sha256Hex } from '../core/digest.js';
import { readRegularFile } from '../core/regular-file.js';
import { maxFileBytes } from '../load/input-limits.js';

/**
 * Input files by path: the status (device, inode, size, modification and change times) a file had
 * when it was read, and the digest of its bytes. As git's index does, a later digest of the tree
 * takes a file whose status is unchanged as unchanged without reading it. Only a file whose times
 * were already two seconds old when it was read is listed (nothing can have changed it since
 * within the same timestamp), and the change time, which no one can set back, is part of the status.
 */
export type FileStatuses = Record<string, [status: string, digest: string]>;

/**
 * sha256 of the regular file at `path` (not a link, not over the input size limit), listed under
 * `key`: the recorded digest when `known` gives its status unchanged, else read. Undefined when it
 * is no such file.
 */
export function digestByStatus(path: string, key: string, known: FileStatuses | undefined, statuses: FileStatuses, settledBefore: number): string | undefined {
  const recorded = known?.[key];
  if (recorded !== undefined) {
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (stats?.isFile() && statusOf(stats) === recorded[0]) {
      statuses[key] = recorded;
      return recorded[1];
    }
  }
  const direct = readRegularFile(path, maxFileBytes, { followLinks: false });
  if (!('bytes' in direct)) return undefined;
  const digest = sha256Hex(direct.bytes);
  const { stats } = direct;
  if (stats.mtimeMs < settledBefore && stats.ctimeMs < settledBefore) statuses[key] = [statusOf(stats), digest];
  return digest;
}

/** The statuses of a record as read from disk, when they have their shape (a record is a cache: anything odd is ignored). */
export function knownStatuses(value: unknown): FileStatuses | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([, entry]) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && typeof entry[1] === 'string')) return undefined;
  // Own keys only: a path `__proto__` or `constructor` must not reach the prototype's.
  return Object.assign(Object.create(null) as FileStatuses, value);
}

/** A regular file's status as `FileStatuses` compares it. */
function statusOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/** How old a file's times must be when it is read for its status to stand in for its bytes later. */
export const settledMs = 2000;

