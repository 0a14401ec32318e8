import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { keyId, publicKeyOf } from '../core/signing/keys.js';
import type { PreviousTree } from '../deploy-repo/index.js';
import { digestSource } from './inputs.js';
import { planReuse, type ReuseContext, type ReusePlan } from './plan.js';

import { rememberBuild, type FinishedBuild } from './remember.js';
import { readRecord, recordBytes, recordPath } from './record.js';
import { knownStatuses } from './inputs.js';
import { compareText } from '../core/diagnostics.js';
import type { OutputFile } from '../core/output-file.js';

export type { ReuseContext, ReusePlan } from './plan.js';

export interface ReuseOptions {
  root: string;
  out: string;
  now: Date;
  signingSeed?: Uint8Array;
  sourceCommit?: string;
  previous?: PreviousTree;
}

export interface PreparedReuse {
  plan: ReusePlan;
  context: ReuseContext;
}

/** Whether a build into `out` left a record beside it (which may let the next one reuse folders). */
export function hasBuildRecord(out: string): boolean {
  return existsSync(recordPath(out));
}

/** The reuse plan of a build into `out`, and the context its record is written in. */
export function prepareReuse(options: ReuseOptions): PreparedReuse {
  const previous = options.previous;
  const digest = (...parts: Array<Uint8Array | undefined>) => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part ? createHash('sha256').update(part).digest('hex') : 'absent').update('\0');
    return hash.digest('hex');
  };
  const root = previous?.releaseIndex();
  const context: ReuseContext = {
    out: options.out,
    now: options.now,
    previousOf: (environment) => (previous ? digest(previous.manifest(environment), previous.signature(environment)) : ''),
  };
  // The record is read first: the files whose status it gives unchanged are not read again.
  const found = readRecord(options.out);
  const digests = digestSource(
    options.root,
    {
      ...(options.signingSeed ? { signingKeyId: keyId(publicKeyOf(options.signingSeed)) } : {}),
      ...(options.sourceCommit ? { sourceCommit: options.sourceCommit } : {}),
      ...(previous ? { previousRoot: root ? digest(root.manifest, root.signature) : 'none' } : {}),
    },
    knownStatuses(found?.record.inputs),
  );
  return { plan: planReuse(digests, context, found), context };
}

/** A finished build as the record sees it: its verdicts, findings, manifests and the folders it rendered. */
export interface BuildOutcome extends Omit<FinishedBuild, 'rootFiles'> {
  /** How many files each folder this build rendered (not those it kept) holds, by environment. */
  folderSizes: ReadonlyMap<string, number>;
  /** The environments it kept from `--out` without rendering them. */
  reused?: readonly string[];
}

/**
 * The record to write beside the output after a build: a full build records every ready
 * environment; a partial one (`--env`, `--shard`) the environments it rendered, plus what still
 * holds of the record beside the output — so call it under the output lock, before the output
 * changes.
 */
export function recordAfterBuild(prepared: PreparedReuse, outcome: BuildOutcome, rootFiles: readonly OutputFile[], scope: 'full' | 'partial'): { path: string; bytes: Uint8Array } {
  const { plan, context } = prepared;
  const build: FinishedBuild = { ...outcome, rootFiles };
  const record = rememberBuild(outcome.reused?.length ? plan : { ...plan, reused: new Map() }, build, context);
  if (scope === 'partial') {
    for (const [name, recorded] of planReuse(plan.digests, context).reused) {
      if (!outcome.folderSizes.has(name) && !Object.hasOwn(record.environments, name)) record.environments[name] = recorded;
    }
    record.environments = Object.fromEntries(Object.entries(record.environments).sort(([a], [b]) => compareText(a, b)));
  }
  return { path: recordPath(context.out), bytes: recordBytes(record) };
}
