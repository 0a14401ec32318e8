import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, UserError } from '../core/errors.js';
import { gitSync } from '../core/git.js';
import { temporaryFolder } from '../write/durable.js';

/** Text as it may be shown: credentials in any URL in it (`https://user:token@host/…`) are hidden. */
export function hideCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}

function splitRef(spec: string): [string, string | undefined] {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0) return [spec, undefined];
  const ref = spec.slice(hash + 1);
  if (!/^[A-Za-z0-9._\/-]+$/.test(ref) || ref.startsWith('-')) throw new UsageError(`${JSON.stringify(ref)} is not a git ref`);
  return [spec.slice(0, hash), ref];
}

function isBareRepository(dir: string): boolean {
  return existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')) && existsSync(join(dir, 'refs'));
}

/** A deploy state in git: its repository's git folder, the commit to read, and how to remove a clone made for it. */
export interface DeployStateRepository {
  gitDir: string;
  /** Undefined for an empty repository or a branch not made yet: an empty state. */
  tree: string | undefined;
  dispose(): void;
}

/**
 * The deploy state as git objects, when `spec` names a repository rather than a folder: a local
 * repository is read in place, anything else is cloned bare (no work tree is written either way).
 * `tree` is the commit to read — undefined for an empty repository or a branch not made yet.
 * Undefined when `spec` is a folder that is not a clean work tree (see `cleanWorkTree`), which is
 * read as the files it holds.
 */
export function deployStateRepository(spec: string, cwd: string, branch?: string): DeployStateRepository | undefined {
  const [location, given] = splitRef(spec);
  const ref = given ?? branch;
  if (location.startsWith('-')) throw new UsageError(`${JSON.stringify(location)} is not a folder or a git URL`);
  const local = resolve(cwd, location);
  if (given === undefined && existsSync(local) && statSync(local).isDirectory() && !isBareRepository(local)) return cleanWorkTree(local);
  if (existsSync(local)) {
    const gitDir = localGitDir(local, spec);
    return { gitDir, tree: commitIn(gitDir, ref, given === undefined, local), dispose: () => {} };
  }
  const gitDir = temporaryFolder('slipway-deploy-state-');
  const dispose = () => rmSync(gitDir, { recursive: true, force: true });
  try {
    const tree = cloneInto(location, ref, gitDir, given === undefined);
    return { gitDir, tree, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/**
 * A folder that is the top of a git work tree identical to its HEAD — nothing modified, added,
 * removed, untracked or ignored, as a fresh checkout is — holds exactly the files of that commit:
 * they are read from its objects, so the cache can vouch for a folder by its blob ids. Any other
 * folder (or a git that cannot tell) is read as the files it holds: undefined.
 */
function cleanWorkTree(local: string): DeployStateRepository | undefined {
  if (!existsSync(join(local, '.git'))) return undefined;
  try {
    // No optional locks: asking must not write the repository's index.
    const changes = gitSync(['--no-optional-locks', '-C', local, 'status', '--porcelain', '--untracked-files=all', '--ignored']);
    if (changes.length > 0) return undefined;
    const [gitDir, tree] = gitSync(['-C', local, 'rev-parse', '--absolute-git-dir', '--verify', 'HEAD^{commit}']).toString('utf8').trim().split('\n');
    return gitDir && tree ? { gitDir, tree, dispose: () => {} } : undefined;
  } catch {
    return undefined;
  }
}

/** The git folder of a repository at `local` (bare, or a work tree's top), never of one it sits inside. */
function localGitDir(local: string, spec: string): string {
  try {
    if (!isBareRepository(local) && !existsSync(join(local, '.git'))) throw new Error('not the top of a repository');
    return gitSync(['-C', local, 'rev-parse', '--absolute-git-dir']).toString('utf8').trim();
  } catch {
    throw cannotRead(spec, undefined, `${local} is not a git repository`);
  }
}

/**
 * The commit `ref` names in a repository (a branch, a tag or, unless `branchOnly`, a commit id), as
 * `git clone --branch` would take it; its HEAD without one. Undefined for an empty repository or the
 * branch publish commits to not made yet: an empty state.
 */
function commitIn(gitDir: string, ref: string | undefined, branchOnly: boolean, source: string): string | undefined {
  const candidates = ref === undefined ? ['HEAD'] : [`refs/heads/${ref}`, `refs/tags/${ref}`, ...(branchOnly ? [] : [ref])];
  for (const candidate of candidates) {
    try {
      return gitSync(['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]).toString('utf8').trim();
    } catch {
      // Not this one: the next candidate, or none.
    }
  }
  if (ref === undefined || branchOnly) return undefined;
  throw cannotRead(source, ref, `no branch, tag or commit ${ref} there`);
}

/**
 * Clones `source` bare into `gitDir` and names the commit to read (see `commitIn`): the branch or
 * tag `ref` alone, else (a commit id, unless `branchOnly`) the whole history.
 */
function cloneInto(source: string, ref: string | undefined, gitDir: string, branchOnly: boolean): string | undefined {
  const clone = (args: string[]): string | undefined => {
    try {
      gitSync(['clone', '--quiet', '--no-tags', '--bare', ...args, '--', source, gitDir]);
      return undefined;
    } catch (error) {
      return String((error as { stderr?: Buffer }).stderr ?? '').trim() || 'git failed';
    }
  };
  let failed = clone(['--depth', '1', ...(ref ? ['--branch', ref] : [])]);
  if (failed === undefined) return commitIn(gitDir, undefined, true, source);
  if (ref && !branchOnly) {
    rmSync(gitDir, { recursive: true, force: true });
    failed = clone([]);
    if (failed === undefined) return commitIn(gitDir, ref, false, source);
  }
  if (/remote branch .* not found|does not have any commits|empty repository/i.test(failed)) return undefined;
  // git's first fatal line says what went wrong; its last is often the tail of a wrapped hint.
  throw cannotRead(source, ref, failed.split('\n').find((line) => line.startsWith('fatal:')) ?? failed.split('\n').find((line) => line.trim() !== '')!);
}

function cannotRead(source: string, ref: string | undefined, reason: string): UserError {
  return new UserError(hideCredentials(`cannot read the deploy state from ${source}${ref ? `#${ref}` : ''}: ${reason}; give a deploy repository checkout, a bare repository or a git URL`));
}
