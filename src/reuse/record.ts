import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../core/diagnostics.js';
import { sha256Hex } from '../core/digest.js';
import type { VerdictWindow } from '../gate/index.js';
import type { BlockReason, TargetSummary } from '../model/index.js';
import type { FileStatuses } from './file-status.js';

/**
 * What a build remembers beside its output (`.<out>.build-record.json`) so that the next build into
 * the same `--out` renders only what changed: per environment, the digest of every input its folder
 * came from, its summary for the root files, its manifest's digest and the findings at its files.
 * The record is a cache: anything odd about it — missing, damaged, of another format, or not
 * matching the output beside it — means a full build, never a wrong one.
 */
export interface BuildRecord {
  format: typeof recordFormat;
  /** The shared inputs' digest (`SourceDigests.shared`) the folders were rendered from. */
  shared: string;
  /** How many findings the build had at files no single environment owns. */
  sharedFindings: number;
  /** sha256 of the root files as written, to recognise the output the record describes. */
  root: { index: string; releaseIndex: string | null };
  /** The ready environments, and the blocked ones without a folder, by name. */
  environments: Record<string, RecordedEnvironment>;
  /** The input files' statuses and digests, for the next build's digest of the tree (absent in older records). */
  inputs?: FileStatuses;
}

/** What validation said of one environment, and the inputs it said it of: enough to say it again unread. */
export interface RecordedVerdict {
  /** `environmentKey` of the inputs its verdict (and, in a build record, its folder) came from. */
  key: string;
  /** The release it names, whose file is one of those inputs. */
  release: string;
  /** When its verdict holds. */
  window: VerdictWindow;
  /**
   * `blocked` for a target the gate held back (in a build record: one that has no folder, nothing
   * kept from `--previous`); absent for a ready one.
   */
  status?: 'blocked';
  /** Why it is blocked, as the root files and the notice say it. */
  blockReasons?: BlockReason[];
  summary: TargetSummary;
  /** Findings at its environment and secrets files. */
  findings: Diagnostic[];
}

export interface RecordedEnvironment extends RecordedVerdict {
  /** Its folder's release.json; null for a blocked target, which has no folder. */
  manifestSha256: string | null;
  /** How many files its folder holds. */
  files: number;
  /** Whether its folder differed from `--previous`. */
  changed: boolean;
}

export const recordFormat = 'slipway-build-record/1';

import { buildRecordPath as recordPath } from '../write/durable.js';

export { recordPath };

/** The record beside `out` and the sha256 of its bytes, or undefined when there is none fit to use. */
export function readRecord(out: string): { record: BuildRecord; digest: string } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(recordPath(out));
  } catch {
    return undefined;
  }
  try {
    const record = JSON.parse(bytes.toString('utf8')) as BuildRecord;
    if (record?.format !== recordFormat || typeof record.shared !== 'string' || typeof record.environments !== 'object' || record.environments === null) return undefined;
    return { record, digest: sha256Hex(bytes) };
  } catch {
    return undefined;
  }
}

export function recordBytes(record: BuildRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(record)}\n`);
}
