import { execFileSync } from 'node:child_process';

/**
 * What every git command Slipway runs shares: an environment that points it at no repository but
 * the one named on its command line, and the reading of `git ls-tree -z` output. Publishing runs git
 * asynchronously (src/publish/git.ts), reading a deploy state synchronously (src/deploy-repo/).
 */

// Variables that would point git at another repository than the one meant (as inside a git hook).
const INHERITED_GIT_STATE = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE'];

/** The process environment for git: no prompt for credentials, none of the inherited repository state (`own` may set it). */
export function gitEnvironment(own?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', ...own };
  for (const name of INHERITED_GIT_STATE) if (!own?.[name]) delete env[name];
  return env;
}

/** Runs git and waits: its standard output, whatever its size (a deploy state is as large as its fleet); throws on a non-zero exit, with `stderr`. */
export function gitSync(args: readonly string[], input?: string): Buffer {
  return execFileSync('git', args, { ...(input !== undefined ? { input } : {}), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], maxBuffer: Infinity, env: gitEnvironment() });
}

export interface TreeEntry {
  mode: string;
  type: string;
  id: string;
  path: string;
}

/** The entries of `git ls-tree -z` output (without `-l`). */
export function treeEntries(listing: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of listing.split('\0')) {
    const match = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(record);
    if (match) entries.push({ mode: match[1]!, type: match[2]!, id: match[3]!, path: match[4]! });
  }
  return entries;
}
