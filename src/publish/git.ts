import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { hideCredentials } from '../deploy-repo/index.js';
import { PublishError, UsageError } from '../core/errors.js';
import { gitEnvironment, treeEntries } from '../core/git.js';
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

/** What a git command reads on its standard input: one buffer, or many written in turn as the pipe takes them. */
type GitInput = Uint8Array | string | readonly Uint8Array[];

function run(args: string[], options: { input?: GitInput; env?: Record<string, string> } = {}): Promise<GitRun> {
  const env = gitEnvironment(options.env);
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
      const input = options.input;
      if (Array.isArray(input)) Readable.from(input, { objectMode: false }).pipe(child.stdin);
      else child.stdin.end(input);
    }
  });
}

const newline = Buffer.from('\n');

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
  const git = async (args: string[], options: { input?: GitInput; env?: Record<string, string>; allowFailure?: boolean } = {}) => {
    const result = await run(['--git-dir', dir, ...args], options);
    if (result.code !== 0 && !options.allowFailure) throw new PublishError(`git ${args[0]} failed for ${name}: ${lastLine(result.stderr) || `exit ${result.code}`}`);
    return result;
  };
  const text = async (args: string[], options: { input?: Uint8Array | string; env?: Record<string, string> } = {}) => (await git(args, options)).stdout.toString('utf8').trim();
  await git(['init', '--bare', '--quiet']);
  const blobs = blobReader(dir, name);

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
      for (const entry of treeEntries((await git(['ls-tree', '-r', '-z', '--full-tree', commit])).stdout.toString('utf8'))) {
        if (entry.type === 'blob') files.set(entry.path, { id: entry.id, mode: entry.mode });
      }
      return state(commit, tree, files);
    },

    async commit(base, changes, message) {
      const env = { GIT_INDEX_FILE: join(dir, 'publish.index') };
      rmSync(env.GIT_INDEX_FILE, { force: true });
      await git(base.commit ? ['read-tree', base.commit] : ['read-tree', '--empty'], { env });
      const written = [...changes].filter((change): change is [string, Uint8Array] => change[1] !== null);
      const ids = await writeBlobs(written.map(([, bytes]) => bytes));
      const entries = [
        ...written.map(([path], index) => `${fileMode(base, path)} ${ids[index]}\t${path}\0`),
        ...[...changes].filter(([, bytes]) => bytes === null).map(([path]) => `0 ${'0'.repeat(40)}\t${path}\0`),
      ];
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
      blobs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return repository;

  /**
   * Stores the blobs with one `git fast-import` (into a pack) and returns their ids in order: a
   * publish of a whole fleet writes tens of thousands of files, and a `git hash-object` each would
   * cost minutes in process starts alone.
   */
  async function writeBlobs(blobs: readonly Uint8Array[]): Promise<string[]> {
    if (blobs.length === 0) return [];
    const marks = join(dir, 'publish.marks');
    rmSync(marks, { force: true });
    const stream: Uint8Array[] = [];
    blobs.forEach((bytes, index) => stream.push(Buffer.from(`blob\nmark :${index + 1}\ndata ${bytes.length}\n`), bytes, newline));
    stream.push(Buffer.from('done\n'));
    await git(['fast-import', '--quiet', '--done', `--export-marks=${marks}`], { input: stream });
    const ids: Array<string | undefined> = Array.from({ length: blobs.length }, () => undefined);
    for (const line of readFileSync(marks, 'utf8').split('\n')) {
      const mark = /^:(\d+) ([0-9a-f]{40,64})$/.exec(line);
      if (mark) ids[Number(mark[1]) - 1] = mark[2]!;
    }
    if (ids.some((id) => id === undefined)) throw new PublishError(`git fast-import stored ${ids.filter(Boolean).length} of ${blobs.length} files for ${name}; nothing was published`);
    return ids as string[];
  }

  function state(commit: string | null, tree: string | null, files: Map<string, { id: string; mode: string }>): RepoState {
    return headState(name, { commit, tree, files }, (id) => blobs.read(id), async (environment, manifest) => {
      if (!commit) return false;
      // --find-object walks the history for commits that add or drop this exact blob at the path.
      const found = await text(['log', '-1', '--format=%H', `--find-object=${gitBlobId(manifest)}`, commit, '--', `environments/${environment}/release.json`]);
      return found !== '';
    });
  }
}

/**
 * One `git cat-file --batch` answering every blob a publish reads, in the order asked: a process
 * per blob costs milliseconds, and a publish that changes a whole fleet reads a manifest for each
 * environment. Started on the first read; `close` ends it.
 */
export function blobReader(dir: string, name: string): { read(id: string): Promise<Uint8Array>; close(): void } {
  let child: ChildProcess | undefined;
  let pending: Buffer = Buffer.alloc(0);
  const waiting: Array<{ id: string; resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }> = [];
  const fail = (error: Error) => {
    child = undefined;
    for (const request of waiting.splice(0)) request.reject(error);
  };
  // Each answer is `<id> <type> <size>` and a newline, the content, and a newline; `<id> missing` for none.
  const answer = () => {
    while (waiting.length > 0) {
      const end = pending.indexOf(10);
      if (end < 0) return;
      const header = /^[0-9a-f]+ blob (\d+)$/.exec(pending.subarray(0, end).toString('utf8'));
      if (!header) {
        pending = pending.subarray(end + 1);
        const request = waiting.shift()!;
        request.reject(new PublishError(`cannot read blob ${request.id} of ${name}: git cat-file has no such file`));
        continue;
      }
      const size = Number(header[1]);
      if (pending.length < end + size + 2) return;
      const bytes = new Uint8Array(pending.subarray(end + 1, end + 1 + size));
      pending = pending.subarray(end + size + 2);
      waiting.shift()!.resolve(bytes);
    }
  };
  const start = (): ChildProcess => {
    const started = spawn('git', ['--git-dir', dir, 'cat-file', '--batch'], { env: gitEnvironment(), stdio: ['pipe', 'pipe', 'pipe'] });
    const said: Buffer[] = [];
    started.stdout!.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      answer();
    });
    started.stderr!.on('data', (chunk: Buffer) => said.push(chunk));
    started.stdin!.on('error', () => {});
    started.on('error', (error) => fail(new PublishError(`cannot run git: ${error.message}`)));
    started.on('close', (code) => {
      if (started === child || waiting.length > 0) fail(new PublishError(`git cat-file stopped reading ${name} (exit ${code}): ${lastLine(Buffer.concat(said).toString('utf8'))}`));
    });
    return started;
  };
  return {
    read(id) {
      if (!/^[0-9a-f]{40,64}$/.test(id)) return Promise.reject(new PublishError(`${name} lists a file with the blob id ${JSON.stringify(id)}`));
      child ??= start();
      const reader = child;
      return new Promise((resolve, reject) => {
        waiting.push({ id, resolve, reject });
        reader.stdin!.write(`${id}\n`);
      });
    },
    close() {
      const stopping = child;
      child = undefined;
      stopping?.stdin!.end();
    },
  };
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
