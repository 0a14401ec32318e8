import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareText } from '../core/diagnostics.js';
import { insideWindow } from '../gate/index.js';
import { digestSource, environmentKey, type SourceDigests } from './inputs.js';
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
export interface VerdictCache {
  format: typeof verdictCacheFormat;
  /** The shared inputs' digest (`SourceDigests.shared`) the verdicts were reached from. */
  shared: string;
  /** How many findings the validation had at files no single environment owns. */
  sharedFindings: number;
  environments: Record<string, RecordedVerdict>;
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
}

/** The cache's file in its folder. */
export function verdictCachePath(folder: string): string {
  return join(folder, 'verdicts.json');
}

/** Verdicts do not depend on how a build signs or chains: the keys are made without a previous manifest. */
const noContext = { previousOf: () => '' };

/** The verdicts of `cacheFolder` that still hold for the tree at `root` at `now` (of `wanted`, when given). */
export function planVerdictReuse(root: string, cacheFolder: string, now: Date, wanted?: readonly string[]): VerdictReuse {
  const digests = digestSource(root, {});
  const cache = readVerdictCache(cacheFolder);
  const reused = new Map<string, RecordedVerdict>();
  if (!cache || cache.shared !== digests.shared) return { digests, reused, validateOthersOnly: false };
  const only = wanted ? new Set(wanted) : undefined;
  for (const [name, files] of digests.environments) {
    const recorded = Object.hasOwn(cache.environments, name) ? cache.environments[name] : undefined;
    if (!recorded || (only && !only.has(name))) continue;
    const key = environmentKey(digests.shared, { file: files.file, secrets: files.secrets, release: digests.releases.get(recorded.release) ?? 'absent', previous: noContext.previousOf() });
    if (key === recorded.key && insideWindow(recorded.window, now)) reused.set(name, recorded);
  }
  return { digests, reused, validateOthersOnly: cache.sharedFindings === 0 };
}

/**
 * The cache to keep after a validation: the verdicts it reached or took, and, of a validation of
 * some environments (`--env`), the recorded verdicts of the others that still hold.
 */
export function verdictCacheBytes(reuse: VerdictReuse, validation: FinishedValidation, now: Date, cacheFolder: string): Uint8Array {
  const { verdicts, sharedFindings } = rememberVerdicts(reuse.digests, reuse.reused, validation, { now, ...noContext });
  const earlier = readVerdictCache(cacheFolder);
  const environments: Record<string, RecordedVerdict> = {};
  const looked = new Set(validation.targets.map((target) => target.name));
  let kept = 0;
  if (earlier && earlier.shared === reuse.digests.shared) {
    for (const [name, recorded] of Object.entries(earlier.environments)) {
      if (!reuse.digests.environments.has(name) || looked.has(name)) continue;
      environments[name] = recorded;
      kept++;
    }
  }
  for (const [name, verdict] of verdicts) environments[name] = verdict;
  const cache: VerdictCache = {
    format: verdictCacheFormat,
    shared: reuse.digests.shared,
    // A kept verdict comes with the findings at shared files of the validation that reached it.
    sharedFindings: sharedFindings + (kept > 0 ? earlier!.sharedFindings : 0),
    environments: Object.fromEntries(Object.entries(environments).sort(([a], [b]) => compareText(a, b))),
  };
  return new TextEncoder().encode(`${JSON.stringify(cache)}\n`);
}

function readVerdictCache(folder: string): VerdictCache | undefined {
  try {
    const cache = JSON.parse(readFileSync(verdictCachePath(folder), 'utf8')) as VerdictCache;
    if (cache?.format !== verdictCacheFormat || typeof cache.shared !== 'string' || typeof cache.sharedFindings !== 'number' || typeof cache.environments !== 'object' || cache.environments === null) return undefined;
    return cache;
  } catch {
    return undefined;
  }
}
