import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isManaged } from '../deploy-repo/layout.js';
import { EXTRA_FOLDER } from '../core/output-file.js';
import { join } from 'node:path';
import type { SourceDigests } from './inputs.js';
import { holdingVerdicts } from './verdicts.js';
import { readRecord, type BuildRecord, type RecordedEnvironment } from './record.js';

/**
 * Which environments' folders in `--out` a build may keep as they are: those whose every input —
 * environment file, secrets file, the release it names, the shared inputs and Slipway itself, the
 * manifest it chains to — has the digest the record gives, whose verdict still holds at this
 * build's time, and whose folder still holds the manifest the record names (a blocked target
 * without a folder: still has none). Everything else is validated, rendered and signed again.
 */
export interface ReusePlan {
  digests: SourceDigests;
  /** Folders kept from `--out`, with what the record says of them. */
  reused: Map<string, RecordedEnvironment>;
  /**
   * Whether the other environments alone need validating. False when the record holds findings at
   * files no single environment owns (a release, a service, slipway.yaml): some may come from
   * environments this build would not look at again, so every environment is validated.
   */
  validateOthersOnly: boolean;
  /** sha256 of the record the plan was made from: the writer checks, under the output lock, that it is still the one. */
  recordDigest?: string;
}

export interface ReuseContext {
  out: string;
  now: Date;
  /** sha256 of the previous release.json and its signature of an environment (`--previous`); '' without one. */
  previousOf: (environment: string) => string;
}

/** `found`: the record beside the output, when the caller has read it already. */
export function planReuse(digests: SourceDigests, context: ReuseContext, found = readRecord(context.out)): ReusePlan {
  const none: ReusePlan = { digests, reused: new Map(), validateOthersOnly: false };
  const record = found?.record;
  if (!found || !record || record.shared !== digests.shared || !rootMatches(record, context.out)) return none;
  const reused = new Map<string, RecordedEnvironment>();
  for (const [name, recorded] of holdingVerdicts(record.environments, digests, context.now, context.previousOf)) {
    // A ready folder must still hold the manifest recorded; a blocked target, still have no folder.
    const folder = join(context.out, 'environments', name);
    if (recorded.manifestSha256 === null ? existsSync(folder) : fileDigest(join(folder, 'release.json')) !== recorded.manifestSha256) continue;
    reused.set(name, recorded);
  }
  return { digests, reused, validateOthersOnly: record.sharedFindings === 0, recordDigest: found.digest };
}

/**
 * Whether `out` is the output the record describes: its root files as recorded, and nothing at its
 * root that Slipway does not write but extra/ (the writer would then write a whole tree, so rendering only
 * what changed would be wasted).
 */
export function rootMatches(record: BuildRecord, out: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(out);
  } catch {
    return false;
  }
  // extra/ holds the owners' hand-written files, which every writer keeps as they are.
  if (entries.some((entry) => entry !== EXTRA_FOLDER && !isManaged(entry) && !isManaged(`${entry}/`))) return false;
  return fileDigest(join(out, 'index.json')) === record.root.index && fileDigest(join(out, 'release-index.json')) === record.root.releaseIndex;
}

function fileDigest(path: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}
