import type { GenerateContext } from '../../generators/types.js';
import type { ResolvedEnvironment, Runtime, Target } from '../../src/model/index.js';
import { compareText } from '../../src/core/diagnostics.js';
import { validateSourceTree } from '../../src/compile.js';
import { fixedEpoch, repositoryRoot } from './tree.js';

const byRoot = new Map<string, Target[]>();

/**
 * The targets of a source tree (the bundled example by default), judged at the fixtures' fixed time
 * (attestations are time-sensitive). Resolved once per tree and test file: generators are pure, and
 * tests that change a model clone it first.
 */
export function exampleTargets(root = repositoryRoot): Target[] {
  let targets = byRoot.get(root);
  if (!targets) {
    targets = validateSourceTree({ root, now: new Date(Number(fixedEpoch) * 1000) }).targets;
    byRoot.set(root, targets);
  }
  return targets;
}

/** The ready targets of one runtime, as the generators see them, by name. */
export function readyModels(runtime: Runtime, root = repositoryRoot): Map<string, ResolvedEnvironment> {
  return new Map(
    exampleTargets(root)
      .filter((target) => target.status === 'ready' && target.model?.runtime === runtime)
      .map((target) => [target.name, target.model!] as const)
      .sort(([a], [b]) => compareText(a, b)),
  );
}

/** The context of a generator run on its own, outside the engine: nothing rendered before it, not blocked. */
export const standalone: GenerateContext = { produced: [], blockReasons: [] };
