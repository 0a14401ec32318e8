import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { readTree } from '../support/tree.js';
import { startFakeGitHub, type FakeGitHub } from './github-server.js';
import {
  bareRepository,
  bindRelease,
  build,
  cleanUp,
  commitCount,
  consistentIndex,
  copySource,
  divergentBuilds,
  head,
  instantBackoff,
  publishDirect,
  racedBy,
  repositoryFiles,
  signedSource,
} from './helpers.js';

const describeGit = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));
const servers: FakeGitHub[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
  cleanUp();
});

const TOKEN = 'ghs_test0123456789';
const CODEOWNERS = '* @platform-team\n';

async function github(options: { truncateRecursiveTrees?: boolean } = {}) {
  // GitHub's Git Data API cannot write to an empty repository, so the deploy repo starts with a commit.
  const bare = bareRepository({ CODEOWNERS });
  const server = await startFakeGitHub({ bare, owner: 'acme', repo: 'deploy', token: TOKEN, ...options });
  servers.push(server);
  const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.url };
  return { bare, server, env };
}

const writes = (server: FakeGitHub) => server.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace('/repos/acme/deploy', '')}`);

describeGit('publish to GitHub through the Git Data API (local server over a real bare repository)', () => {
  it('makes blobs, one tree, one commit and a non-forced ref update; nothing the second time', async () => {
    const root = signedSource();
    const { bare, server, env } = await github();
    const out = await build(root, bare);
    const run = await publishDirect({ out, to: 'github:acme/deploy' }, {}, env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(server.problems).toEqual([]);
    const kinds = writes(server);
    expect(kinds.filter((w) => w === 'POST /git/trees')).toHaveLength(1);
    expect(kinds.filter((w) => w === 'POST /git/commits')).toHaveLength(1);
    expect(kinds.filter((w) => w.startsWith('PATCH /git/refs/heads/main'))).toHaveLength(1);
    expect(kinds.every((w) => ['POST /git/blobs', 'POST /git/trees', 'POST /git/commits', 'PATCH /git/refs/heads/main'].includes(w))).toBe(true);
    expect(server.requests.find((r) => r.method === 'PATCH')!.body).toEqual({ sha: head(bare), force: false });
    expect(run.stdout.trim()).toBe(head(bare));
    expect(commitCount(bare)).toBe(2);
    const files = repositoryFiles(bare);
    files.delete('CODEOWNERS');
    expect(files).toEqual(readTree(out));
    expect(repositoryFiles(bare).get('CODEOWNERS')!.toString()).toBe(CODEOWNERS);

    server.requests.length = 0;
    const again = await publishDirect({ out, to: 'github:acme/deploy' }, {}, env);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(writes(server)).toEqual([]);
    expect(commitCount(bare)).toBe(2);
  });

  it('retries when the branch moved before its ref update (422), and both publishes land', async () => {
    const root = signedSource();
    const { bare, server, env } = await github();
    await publishDirect({ out: await build(root, bare), to: 'github:acme/deploy' }, {}, env);
    const [outA, outB] = await divergentBuilds(root, bare, ['prod', '1.0.1'], ['onprem', '1.0.2']);
    const run = await publishDirect({ out: outB, to: 'github:acme/deploy' }, { beforeAdvance: racedBy({ out: outA, to: 'github:acme/deploy' }, env) }, env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/moved while publishing/);
    expect(server.problems).toEqual([]);
    const files = repositoryFiles(bare);
    expect(JSON.parse(files.get('environments/prod/release.json')!.toString()).release).toBe('1.0.1');
    expect(JSON.parse(files.get('environments/onprem/release.json')!.toString()).release).toBe('1.0.2');
    expect(consistentIndex(files)).toEqual([]);
  });

  it('walks the history to leave alone an environment two publishes ahead of this build', async () => {
    const root = signedSource();
    const { bare, server, env } = await github();
    await publishDirect({ out: await build(root, bare), to: 'github:acme/deploy' }, {}, env);
    const b = copySource(root);
    bindRelease(b, 'onprem', '1.0.2');
    const outB = await build(b, bare);
    for (const version of ['1.0.1', '1.0.3']) {
      bindRelease(root, 'prod', version);
      expect((await publishDirect({ out: await build(root, bare), to: 'github:acme/deploy' }, {}, env)).exitCode).toBe(0);
    }
    const run = await publishDirect({ out: outB, to: 'github:acme/deploy' }, {}, env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/prod: kept newer 1\.0\.3/);
    expect(consistentIndex(repositoryFiles(bare))).toEqual([]);
    expect(server.problems).toEqual([]);
  });

  it('refuses a stale build with exit 4 and creates no commit', async () => {
    const root = signedSource();
    const { bare, server, env } = await github();
    await publishDirect({ out: await build(root, bare), to: 'github:acme/deploy' }, {}, env);
    const [outA, outB] = await divergentBuilds(root, bare, ['prod', '1.0.1'], ['prod', '1.0.2']);
    expect((await publishDirect({ out: outA, to: 'github:acme/deploy' }, {}, env)).exitCode).toBe(0);
    const before = head(bare);
    server.requests.length = 0;
    const stale = await publishDirect({ out: outB, to: 'github:acme/deploy' }, {}, env);
    expect(stale.exitCode).toBe(4);
    expect(stale.stderr).toMatch(/stale build[\s\S]*environments\/prod/);
    expect(writes(server)).toEqual([]);
    expect(head(bare)).toBe(before);
  });

  it('waits out rate limits and server errors as GitHub asks, then succeeds', async () => {
    const root = signedSource();
    const { bare, server, env } = await github();
    const out = await build(root, bare);
    server.fail('GET', /\/git\/ref\/heads\/main$/, { status: 429, headers: { 'retry-after': '7' } });
    server.fail('POST', /\/git\/trees$/, { status: 502 }, { status: 503 });
    // 1_800_000_000 s is the injected clock: the limit resets 30 s later.
    server.fail('POST', /\/git\/commits$/, { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1800000030' }, body: { message: 'API rate limit exceeded' } });
    const waits: number[] = [];
    const run = await publishDirect({ out, to: 'github:acme/deploy' }, { backoff: instantBackoff(waits) }, env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(waits).toEqual([7000, 1000, 2000, 31000]);
    expect(server.problems).toEqual([]);
    expect(commitCount(bare)).toBe(2);
  });

  it('gives up with exit 4 when GitHub keeps failing, and says why', async () => {
    const root = signedSource();
    const { bare, server, env } = await github();
    const out = await build(root, bare);
    server.fail('POST', /\/git\/trees$/, ...Array.from({ length: 5 }, () => ({ status: 500 })));
    const run = await publishDirect({ out, to: 'github:acme/deploy' }, {}, env);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/creating the tree failed: HTTP 500/);
    expect(commitCount(bare)).toBe(1);
  });

  it('with --pull-request pushes a branch and opens a pull request into the target branch', async () => {
    const root = signedSource();
    const { bare, server, env } = await github();
    const before = head(bare);
    const run = await publishDirect({ out: await build(root, bare), to: 'github:acme/deploy', pullRequest: true }, {}, env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('https://github.com/acme/deploy/pull/1');
    expect(server.pulls).toHaveLength(1);
    expect(server.pulls[0]).toMatchObject({ base: 'main', title: 'Publish onprem 1.0.0, prod 1.0.0' });
    expect(server.pulls[0]!.head).toMatch(/^slipway\/publish-[0-9a-f]{12}$/);
    expect(server.pulls[0]!.body).toMatch(/Environments:\n- onprem: added/);
    expect(head(bare)).toBe(before);
    expect(repositoryFiles(bare, server.pulls[0]!.head).get('CODEOWNERS')!.toString()).toBe(CODEOWNERS);
    expect(server.problems).toEqual([]);
  });

  it('reads a tree too large for one recursive listing level by level', async () => {
    const root = signedSource();
    const { bare, server, env } = await github({ truncateRecursiveTrees: true });
    const out = await build(root, bare);
    expect((await publishDirect({ out, to: 'github:acme/deploy' }, {}, env)).exitCode).toBe(0);
    const second = await publishDirect({ out, to: 'github:acme/deploy' }, {}, env);
    expect(second.stderr).toMatch(/nothing to publish/);
    expect(commitCount(bare)).toBe(2);
    expect(server.problems).toEqual([]);
  });

  it('the server really checks bodies against GitHub\u2019s schemas (a wrong one is caught)', async () => {
    const { server } = await github();
    const response = await fetch(`${server.url}/repos/acme/deploy/git/refs/heads/main`, {
      method: 'PATCH',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sha: 42, forced: false }),
    });
    expect(response.status).toBe(422);
    expect(server.problems.join('\n')).toMatch(/must be string[\s\S]*unknown field forced/);
  });
});

describeGit('publishing many files to GitHub', () => {
  /** Text files, inline in the tree requests, and binary ones, uploaded: more than one tree request holds. */
  function manyFiles(): Map<string, Uint8Array> {
    const files = new Map<string, Uint8Array>();
    for (let index = 0; index < 2500; index++) files.set(`environments/env-${Math.floor(index / 25)}/file-${index % 25}.yaml`, Buffer.from(`index: ${index}\n`));
    files.set('environments/env-0/bundle/env-0.zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, 0x00, 0x80]));
    files.set('environments/env-1/bundle/env-1.zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0xc3, 0x28, 0x00, 0x01]));
    // The same bundle twice is uploaded once.
    files.set('environments/env-2/bundle/env-0.zip', files.get('environments/env-0/bundle/env-0.zip')!);
    files.set('environments/env-2/empty', new Uint8Array());
    return files;
  }
  const person = { name: 'Slipway', email: 'slipway@example.com' };

  async function commitMany(alterInlineContent: boolean) {
    const bare = bareRepository({ CODEOWNERS });
    const server = await startFakeGitHub({ bare, owner: 'acme', repo: 'deploy', token: TOKEN, alterInlineContent });
    servers.push(server);
    const { openGitHubRepository } = await import('../../src/publish/github.js');
    const repository = openGitHubRepository({ owner: 'acme', repo: 'deploy', token: TOKEN, baseUrl: server.url, backoff: instantBackoff(), author: person });
    const base = await repository.read('main');
    const files = manyFiles();
    const outcome = await repository.commit(base, files, 'Publish many').then(
      async (commit) => ({ commit, moved: await repository.advance('main', base.commit, commit) }),
      (error: Error) => ({ error }),
    );
    return { bare, server, files, outcome };
  }

  it('sends text inside a few tree requests and uploads only binary files, and the commit holds every byte', async () => {
    const { bare, server, files, outcome } = await commitMany(false);
    expect(server.problems).toEqual([]);
    expect(outcome).toMatchObject({ moved: true });
    const kinds = writes(server);
    expect(kinds.filter((w) => w === 'POST /git/blobs')).toHaveLength(2);
    expect(kinds.filter((w) => w === 'POST /git/trees')).toHaveLength(2);
    const committed = repositoryFiles(bare);
    expect(committed.get('CODEOWNERS')!.toString()).toBe(CODEOWNERS);
    committed.delete('CODEOWNERS');
    expect(committed.size).toBe(files.size);
    for (const [path, bytes] of files) expect(Buffer.from(committed.get(path)!).equals(Buffer.from(bytes)), path).toBe(true);
  });

  it('refuses to commit a tree in which the server stored a file otherwise than sent', async () => {
    const { bare, server, outcome } = await commitMany(true);
    expect(server.problems).toEqual([]);
    expect(outcome).toMatchObject({ error: { message: expect.stringMatching(/made the tree [0-9a-f]{40} of this publish, but its files make [0-9a-f]{40}: a file was stored other than it was sent; nothing was published/) } });
    expect(writes(server).filter((w) => w === 'POST /git/commits' || w.startsWith('PATCH'))).toEqual([]);
    expect(commitCount(bare)).toBe(1);
  });

  it('keeps a submodule of the deploy repository, and checks the tree with it', async () => {
    const bare = bareRepository({ CODEOWNERS });
    // A gitlink, as `git submodule add` leaves in the tree: a commit id, mode 160000.
    const git = (args: string[], env: Record<string, string> = {}) => execFileSync('git', ['--git-dir', bare, ...args], { env: { ...process.env, ...env } }).toString().trim();
    const index = { GIT_INDEX_FILE: join(bare, 'submodule.index'), GIT_AUTHOR_NAME: 'Owner', GIT_AUTHOR_EMAIL: 'o@example.com', GIT_COMMITTER_NAME: 'Owner', GIT_COMMITTER_EMAIL: 'o@example.com' };
    git(['read-tree', 'main'], index);
    git(['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/tools`], index);
    const parent = git(['rev-parse', 'main']);
    git(['update-ref', 'refs/heads/main', git(['commit-tree', git(['write-tree'], index), '-p', parent, '-m', 'Add a submodule'], index)]);
    const server = await startFakeGitHub({ bare, owner: 'acme', repo: 'deploy', token: TOKEN });
    servers.push(server);
    const { openGitHubRepository } = await import('../../src/publish/github.js');
    const repository = openGitHubRepository({ owner: 'acme', repo: 'deploy', token: TOKEN, baseUrl: server.url, backoff: instantBackoff(), author: person });
    const base = await repository.read('main');
    const commit = await repository.commit(base, new Map([['index.json', Buffer.from('{}\n')]]), 'Publish');
    expect(await repository.advance('main', base.commit, commit)).toBe(true);
    expect(server.problems).toEqual([]);
    expect(git(['ls-tree', 'main', 'vendor/tools'])).toBe(`160000 commit ${'1'.repeat(40)}\tvendor/tools`);
  });
});
