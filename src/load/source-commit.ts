import { gitSync } from '../core/git.js';

/**
 * The commit the source tree was built from, for the manifest's `source.commit`: the one given,
 * `GITHUB_SHA` in Actions, or the git HEAD of the root when it is a clean work tree. A tree with
 * uncommitted changes has no honest commit to name, so it gets none.
 */
export function sourceCommit(root: string, given: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const commit = given ?? env.GITHUB_SHA ?? headOfCleanTree(root);
  if (commit === undefined) return undefined;
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit) ? commit : undefined;
}

function headOfCleanTree(root: string): string | undefined {
  try {
    const run = (args: string[]) => gitSync(['-C', root, ...args]).toString().trim();
    if (run(['status', '--porcelain', '--untracked-files=no', '--', '.']) !== '') return undefined;
    return run(['rev-parse', 'HEAD']);
  } catch {
    return undefined;
  }
}
