import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, UserError } from '../core/errors.js';
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
    const changes = gitCommand(['--no-optional-locks', '-C', local, 'status', '--porcelain', '--untracked-files=all', '--ignored']);
    if (changes.length > 0) return undefined;
    const gitDir = gitCommand(['-C', local, 'rev-parse', '--absolute-git-dir']).toString('utf8').trim();
    const tree = gitCommand(['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).toString('utf8').trim();
    return { gitDir, tree, dispose: () => {} };
  } catch {
    return undefined;
  }
}

const gitCommand = (args: string[]) => execFileSync('git', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });

/** The git folder of a repository at `local` (bare, or a work tree's top), never of one it sits inside. */
function localGitDir(local: string, spec: string): string {
  try {
    if (!isBareRepository(local) && !existsSync(join(local, '.git'))) throw new Error('not the top of a repository');
    return gitCommand(['-C', local, 'rev-parse', '--absolute-git-dir']).toString('utf8').trim();
  } catch {
    throw new UserError(hideCredentials(`cannot read the deploy state from ${spec}: ${local} is not a git repository; give a deploy repository checkout, a bare repository or a git URL`));
  }
}

/** The commit `ref` names in a local repository (a branch, a tag or, unless `branchOnly`, a commit id), as `git clone --branch` would take it. */
function commitIn(gitDir: string, ref: string | undefined, branchOnly: boolean, source: string): string | undefined {
  const candidates = ref === undefined ? ['HEAD'] : [`refs/heads/${ref}`, `refs/tags/${ref}`, ...(branchOnly ? [] : [ref])];
  for (const candidate of candidates) {
    try {
      return gitCommand(['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]).toString('utf8').trim();
    } catch {
      // Not this one: the next candidate, or none.
    }
  }
  // An empty repository, or the branch publish commits to not made yet: an empty state.
  if (ref === undefined || branchOnly) return undefined;
  throw new UserError(hideCredentials(`cannot read the deploy state from ${source}#${ref}: no branch, tag or commit ${ref} there; give a deploy repository checkout, a bare repository or a git URL`));
}

/**
 * Clones `source` bare into `gitDir`. `branchOnly`: the ref is a branch publish commits to, never a
 * commit id, so a missing one is a branch not made yet. Returns the commit to read, undefined when
 * there is none (an empty state).
 */
function cloneInto(source: string, ref: string | undefined, gitDir: string, branchOnly: boolean): string | undefined {
  const git = (args: string[]) => gitCommand(args);
  let commit = 'HEAD';
  try {
    try {
      git(['clone', '--quiet', '--no-tags', '--bare', '--depth', '1', ...(ref ? ['--branch', ref] : []), '--', source, gitDir]);
    } catch (error) {
      if (!ref || branchOnly) throw error;
      // Not a branch or tag (a commit id, say): fetch everything and read that commit.
      rmSync(gitDir, { recursive: true, force: true });
      git(['clone', '--quiet', '--no-tags', '--bare', '--', source, gitDir]);
      commit = ref;
    }
    try {
      return git(['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `${commit}^{commit}`]).toString('utf8').trim();
    } catch {
      // An empty repository has no HEAD yet; a commit id it does not hold is the user's mistake.
      if (commit === 'HEAD') return undefined;
      throw Object.assign(new Error('unknown revision'), { stderr: `fatal: reference is not a tree: ${ref}` });
    }
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    if (/remote branch .* not found|does not have any commits|empty repository/i.test(stderr)) return undefined;
    // git's first fatal line says what went wrong; its last is often the tail of a wrapped hint.
    const reason = stderr.split('\n').find((line) => line.startsWith('fatal:')) ?? stderr.split('\n').find((line) => line.trim() !== '') ?? 'git failed';
    throw new UserError(hideCredentials(`cannot read the deploy state from ${source}${ref ? `#${ref}` : ''}: ${reason}; give a deploy repository checkout, a bare repository or a git URL`));
  }
}
