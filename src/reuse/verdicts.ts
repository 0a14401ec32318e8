import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareText } from '../core/diagnostics.js';
import { insideWindow } from '../gate/index.js';
import { digestSource, environmentKey, knownStatuses, type FileStatuses, type SourceDigests } from './inputs.js';
import type { RecordedVerdict } from './record.js';
import { rememberVerdicts, type FinishedValidation } from './remember.js';

/**
 * The validation cache (`validate --cache DIR`): what validation said of each environment, under
 * the digest of every input that reaches it — the same key a build record uses, without what only
 * a build has (a signing key, a commit, a previous deploy state). Validating a tree in which one
 * environment changed then reads, resolves and checks that one; kept between CI runs, a pull request
 * touching one environment pays for one. Like the build record it is only a cache: missing, damaged,
 * of another format or another Slipway, it means a full validation, never a different one.
 */
export interface VerdictCache extends CacheFile<RecordedVerdict> {
  format: typeof verdictCacheFormat;
}

export const verdictCacheFormat = 'slipway-verdict-cache/1';

/** What a validation may take from the cache, and what it must still look at. */
export interface VerdictReuse {
  digests: SourceDigests;
  /** Verdicts taken as recorded, by environment. */
  reused: Map<string, RecordedVerdict>;
  /**
   * Whether the other environments alone need validating. False when the cache holds findings at
   * files no single environment owns: some may come from environments not looked at again.
   */
  validateOthersOnly: boolean;
  /** The cache as it was read (undefined when there was none fit to use), to keep what this run does not look at. */
  cache: VerdictCache | undefined;
}

/** The cache's file in its folder. */
export function verdictCachePath(folder: string): string {
  return join(folder, 'verdicts.json');
}

/** Verdicts do not depend on how a build signs or chains: their keys are made without a previous manifest. */
export const withoutPrevious = { previousOf: (): string => '' };

/**
 * Whether a recorded verdict still holds: the environment's inputs (and, for a build, the previous
 * release files it chains to) have the digests it was reached from, and `now` is inside its window.
 */
export function verdictHolds(digests: SourceDigests, name: string, recorded: RecordedVerdict, now: Date, previous = withoutPrevious.previousOf()): boolean {
  const files = digests.environments.get(name);
  if (!files) return false;
  const key = environmentKey(digests.shared, { file: files.file, secrets: files.secrets, release: digests.releases.get(recorded.release) ?? 'absent', previous });
  return key === recorded.key && insideWindow(recorded.window, now);
}

/**
 * The recorded entries, of the environments the tree has, whose verdicts still hold (`verdictHolds`),
 * with their names: what a build record, the validation cache and the render cache each start from.
 */
export function* holdingVerdicts<Entry extends RecordedVerdict>(
  recorded: Record<string, Entry>,
  digests: SourceDigests,
  now: Date,
  previousOf: (environment: string) => string = withoutPrevious.previousOf,
): Generator<[string, Entry]> {
  for (const name of digests.environments.keys()) {
    const entry = Object.hasOwn(recorded, name) ? recorded[name] : undefined;
    if (entry && verdictHolds(digests, name, entry, now, previousOf(name))) yield [name, entry];
  }
}

/** The verdicts of `cacheFolder` that still hold for the tree at `root` at `now` (of `wanted`, when given). */
export function planVerdictReuse(root: string, cacheFolder: string, now: Date, wanted?: readonly string[]): VerdictReuse {
  const cache = readCacheFile<VerdictCache>(verdictCachePath(cacheFolder), verdictCacheFormat);
  const digests = digestSource(root, {}, knownStatuses(cache?.inputs));
  const reused = new Map<string, RecordedVerdict>();
  if (!cache || cache.shared !== digests.shared) return { digests, reused, validateOthersOnly: false, cache: undefined };
  const only = wanted ? new Set(wanted) : undefined;
  for (const [name, recorded] of holdingVerdicts(cache.environments, digests, now)) if (!only || only.has(name)) reused.set(name, recorded);
  return { digests, reused, validateOthersOnly: cache.sharedFindings === 0, cache };
}

/**
 * The cache to keep after a validation: the verdicts it reached or took, and, of a validation of
 * some environments (`--env`), the recorded verdicts of the others that still hold.
 */
export function verdictCacheBytes(reuse: VerdictReuse, validation: FinishedValidation, now: Date): Uint8Array {
  const { verdicts, sharedFindings } = rememberVerdicts(reuse.digests, reuse.reused, validation, { now, ...withoutPrevious });
  const environments: Record<string, RecordedVerdict> = {};
  const looked = new Set(validation.targets.map((target) => target.name));
  const earlier = reuse.cache;
  let kept = 0;
  for (const [name, recorded] of Object.entries(earlier?.environments ?? {})) {
    if (!reuse.digests.environments.has(name) || looked.has(name)) continue;
    environments[name] = recorded;
    kept++;
  }
  for (const [name, verdict] of verdicts) environments[name] = verdict;
  // A kept verdict comes with the findings at shared files of the validation that reached it.
  return cacheFileBytes(verdictCacheFormat, reuse.digests, sharedFindings + (kept > 0 ? earlier!.sharedFindings : 0), environments);
}

/** What every cache of verdicts holds, whatever else it keeps per environment. */
export interface CacheFile<Entry> {
  format: string;
  /** The shared inputs' digest (`SourceDigests.shared`) the verdicts were reached from. */
  shared: string;
  /** How many findings the validation had at files no single environment owns. */
  sharedFindings: number;
  environments: Record<string, Entry>;
  /** The input files' statuses and digests, for the next digest of the tree (see `FileStatuses`). */
  inputs?: FileStatuses;
}

/** A cache file's content when it is one of `format`, or undefined when it is missing, damaged or of another format. */
export function readCacheFile<Cache extends CacheFile<unknown>>(path: string, format: string): Cache | undefined {
  try {
    const cache = JSON.parse(readFileSync(path, 'utf8')) as Cache;
    if (cache?.format !== format || typeof cache.shared !== 'string' || typeof cache.sharedFindings !== 'number' || typeof cache.environments !== 'object' || cache.environments === null) return undefined;
    return cache;
  } catch {
    return undefined;
  }
}

/** A cache file's bytes, environments sorted by name. */
export function cacheFileBytes<Entry>(format: string, digests: SourceDigests, sharedFindings: number, environments: Record<string, Entry>): Uint8Array {
  const cache: CacheFile<Entry> = {
    format,
    shared: digests.shared,
    sharedFindings,
    environments: Object.fromEntries(Object.entries(environments).sort(([a], [b]) => compareText(a, b))),
    inputs: digests.statuses,
  };
  return new TextEncoder().encode(`${JSON.stringify(cache)}\n`);
}
