import { createHash } from 'node:crypto';
import { keyId, publicKeyOf } from '../core/signing/keys.js';
import type { PreviousTree } from '../deploy-repo/index.js';
import { digestSource } from './inputs.js';
import { planReuse, type ReuseContext, type ReusePlan } from './plan.js';

export { planReuse, type ReuseContext, type ReusePlan } from './plan.js';
export { rememberBuild } from './remember.js';
export { recordBytes, recordPath } from './record.js';

export interface ReuseOptions {
  root: string;
  out: string;
  now: Date;
  signingSeed?: Uint8Array;
  sourceCommit?: string;
  previous?: PreviousTree;
}

/** The reuse plan of a full build into `out`, and the context its record is written in. */
export function prepareReuse(options: ReuseOptions): { plan: ReusePlan; context: ReuseContext } {
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
  const digests = digestSource(options.root, {
    ...(options.signingSeed ? { signingKeyId: keyId(publicKeyOf(options.signingSeed)) } : {}),
    ...(options.sourceCommit ? { sourceCommit: options.sourceCommit } : {}),
    ...(previous ? { previousRoot: root ? digest(root.manifest, root.signature) : 'none' } : {}),
  });
  return { plan: planReuse(digests, context), context };
}
