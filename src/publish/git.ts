import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { hideCredentials } from '../deploy-repo/index.js';
import { PublishError, UsageError } from '../core/errors.js';
import { commitPayload, withSignature, type CommitAuthoring } from './commit-object.js';
import type { DeployRepository } from './index.js';
import { gitBlobId } from './output.js';
import { fileMode, headState, type RepoState } from './plan.js';
import { temporaryFolder } from '../write/durable.js';

interface GitRun {
  stdout: Buffer;
  stderr: string;
  code: number;
}

// Variables that would point git at another repository than the one meant (as inside a git hook).
const INHERITED_GIT_STATE = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE'];

function run(args: string[], options: { input?: Uint8Array | string; env?: Record<string, string> } = {}): Promise<GitRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env };
  for (const name of INHERITED_GIT_STATE) if (!options.env?.[name]) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new PublishError(`cannot run git: ${error.message}`)));
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code: code ?? 1 }));
    if (child.stdin) {
      // A git that exits before reading all its input (an error) closes the pipe: its exit code says why.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

const lastLine = (text: string) => hideCredentials(text.trim().split('\n').at(-1) ?? '');

/**
 * A git remote, published to with the git CLI: the branch is fetched into a private bare
 * repository, the new tree is built with plumbing (no checkout, no working tree), and the commit is
 * pushed without force, so a push onto a branch that moved is rejected rather than overwriting it.
 */
export async function openGitRepository(remote: string, authoring: CommitAuthoring): Promise<DeployRepository> {
  if (remote.startsWith('-')) throw new UsageError(`--to ${JSON.stringify(remote)} is not a path or a git URL`);
  const name = hideCredentials(remote);
  const dir = temporaryFolder('slipway-publish-');
  const git = async (args: string[], options: { input?: Uint8Array | string; env?: Record<string, string>; allowFailure?: boolean } = {}) => {
    const result = await run(['--git-dir', dir, ...args], options);
    if (result.code !== 0 && !options.allowFailure) throw new PublishError(`git ${args[0]} failed for ${name}: ${lastLine(result.stderr) || `exit ${result.code}`}`);
    return result;
  };
  const text = async (args: string[], options: { input?: Uint8Array | string; env?: Record<string, string> } = {}) => (await git(args, options)).stdout.toString('utf8').trim();
  await git(['init', '--bare', '--quiet']);

  const repository: DeployRepository = {
    name,
    async defaultBranch() {
      const listed = (await git(['ls-remote', '--symref', remote], { allowFailure: true })).stdout.toString('utf8');
      const named = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listed)?.[1];
      if (named) return named;
      // An empty repository has no HEAD to list, yet its HEAD names the branch clones check out
      // (master for a plain `git init --bare`): publishing anywhere else leaves clones without files.
      return (listed.trim() === '' ? await unbornHead(remote) : undefined) ?? 'main';
    },

    async read(branch) {
      const fetched = await git(['fetch', '--quiet', '--no-tags', remote, `+refs/heads/${branch}:refs/slipway/head`], { allowFailure: true });
      if (fetched.code !== 0) {
        if (!/couldn't find remote ref/i.test(fetched.stderr)) throw new PublishError(`cannot read ${name}: ${lastLine(fetched.stderr)}`);
        await git(['update-ref', '-d', 'refs/slipway/head'], { allowFailure: true });
        return state(null, null, new Map());
      }
      const commit = await text(['rev-parse', '--verify', 'refs/slipway/head^{commit}']);
      const tree = await text(['rev-parse', '--verify', `${commit}^{tree}`]);
      const files = new Map<string, { id: string; mode: string }>();
      const listing = (await git(['ls-tree', '-r', '-z', '--full-tree', commit])).stdout.toString('utf8');
      for (const record of listing.split('\0')) {
        const match = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(record);
        if (match && match[2] === 'blob') files.set(match[4]!, { id: match[3]!, mode: match[1]! });
      }
      return state(commit, tree, files);
    },

    async commit(base, changes, message) {
      const env = { GIT_INDEX_FILE: join(dir, 'publish.index') };
      rmSync(env.GIT_INDEX_FILE, { force: true });
      await git(base.commit ? ['read-tree', base.commit] : ['read-tree', '--empty'], { env });
      const entries = await mapLimit([...changes], 8, async ([path, bytes]) => {
        if (bytes === null) return `0 ${'0'.repeat(40)}\t${path}\0`;
        const id = await text(['hash-object', '-w', '--stdin'], { input: bytes });
        return `${fileMode(base, path)} ${id}\t${path}\0`;
      });
      await git(['update-index', '-z', '--index-info'], { env, input: entries.join('') });
      const tree = await text(['write-tree'], { env });
      // The commit object is written by hand rather than by `git commit-tree -S`: signing then needs
      // no GnuPG, no keyring and no agent on the publishing machine (the key stays in this process,
      // signed by openpgp.js), and the bytes signed here are exactly the ones the GitHub path signs.
      const payload = commitPayload({ tree, parents: base.commit ? [base.commit] : [], author: authoring.author, committer: authoring.committer, time: authoring.time, message });
      const object = authoring.signer ? withSignature(payload, await authoring.signer.sign(payload, authoring.time)) : payload;
      return text(['hash-object', '-t', 'commit', '-w', '--stdin'], { input: object });
    },

    async advance(branch, _expected, commit) {
      // A plain push only fast-forwards: if the branch moved, git rejects it and nothing changes.
      const pushed = await git(['push', '--porcelain', '--quiet', remote, `${commit}:refs/heads/${branch}`], { allowFailure: true });
      if (pushed.code === 0) return true;
      const said = `${pushed.stdout.toString('utf8')}\n${pushed.stderr}`;
      if (/\[rejected\]|non-fast-forward|fetch first|cannot lock ref|incorrect old value|failed to update ref/i.test(said)) return false;
      throw new PublishError(`${name} refused the push: ${lastLine(pushed.stderr) || lastLine(pushed.stdout.toString('utf8'))}`);
    },

    async propose(_base, commit) {
      const branch = `slipway/publish-${commit.slice(0, 12)}`;
      if (!(await repository.advance(branch, null, commit))) throw new PublishError(`${name} already has a branch ${branch} with other content`);
      return { branch };
    },

    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return repository;

  function state(commit: string | null, tree: string | null, files: Map<string, { id: string; mode: string }>): RepoState {
    return headState(name, { commit, tree, files }, async (id) => new Uint8Array((await git(['cat-file', 'blob', id])).stdout), async (environment, manifest) => {
      if (!commit) return false;
      // --find-object walks the history for commits that add or drop this exact blob at the path.
      const found = await text(['log', '-1', '--format=%H', `--find-object=${gitBlobId(manifest)}`, commit, '--', `environments/${environment}/release.json`]);
      return found !== '';
    });
  }
}

/**
 * The branch an empty repository's HEAD names. `ls-remote` does not show an unborn HEAD, but a
 * clone (git 2.31 and later) takes it over, and cloning an empty repository copies nothing.
 */
async function unbornHead(remote: string): Promise<string | undefined> {
  const dir = temporaryFolder('slipway-head-');
  try {
    const cloned = await run(['clone', '--quiet', '--bare', '--no-tags', '--', remote, dir]);
    if (cloned.code !== 0) return undefined;
    const head = await run(['--git-dir', dir, 'symbolic-ref', '--quiet', 'HEAD']);
    return /^refs\/heads\/(\S+)$/.exec(head.stdout.toString('utf8').trim())?.[1];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await each(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
