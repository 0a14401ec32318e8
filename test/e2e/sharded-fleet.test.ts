import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { fixedEpoch, readTree, repositoryRoot } from '../support/tree.js';

/**
 * The sharded publish workflow `init --shards 3` writes, run by hand through the real CLI: three
 * shares built at the same time, each into its own folder as on its own runner, chained to the
 * deploy repository (a bare git repository, given as --previous); `slipway merge`, `verify` and
 * `publish`. Twice: a first publish into an empty repository, then one changed environment. Each
 * merged tree is also compared with one full build of the same inputs.
 */

const EXAMPLE = ['environments', 'services', 'releases', 'policies', 'secrets', 'keys', 'overlays', 'slipway.yaml'];
const describeGit = describeWithTool('git', toolPresent('git'));

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

let work = '';
let env: NodeJS.ProcessEnv = {};
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'slipway-sharded-fleet-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** bin/slipway.js in a child process, as a runner runs it (asynchronous, so shares run at the same time). */
function slipway(args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repositoryRoot, 'bin', 'slipway.js'), ...args], { cwd: work, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ status: code ?? -1, stdout, stderr }));
  });
}

async function step(args: string[]): Promise<Run> {
  const run = await slipway(args);
  expect(run.status, `slipway ${args.join(' ')}\n${run.stderr}${run.stdout}`).toBe(0);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return run;
}

const git = (args: string[], cwd = work) => spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });

/** Builds the three shares at once, merges, verifies and publishes; returns the merged folder. */
async function publishRound(round: string, deploy: string): Promise<string> {
  const shares = [1, 2, 3].map((k) => join(work, round, 'shares', `slipway-share-${k}`));
  await Promise.all(shares.map((out, index) => step(['build', '--root', 'source', '--previous', deploy, '--shard', `${index + 1}/3`, '--out', out, '--format', 'text'])));
  const merged = join(work, round, 'output');
  await step(['merge', ...shares, '--root', 'source', '--previous', deploy, '--out', merged]);
  const verify = await step(['verify', merged, '--keys', 'keys']);
  expect(verify.stdout.match(/^ok /gm)).toHaveLength(11);

  const full = join(work, round, 'full');
  await step(['build', '--root', 'source', '--previous', deploy, '--out', full]);
  const [a, b] = [readTree(merged), readTree(full)];
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [path, bytes] of b) expect(a.get(path)?.equals(bytes), `${round}: ${path}`).toBe(true);

  await step(['publish', '--out', merged, '--root', 'source', '--to', deploy, '--keys', 'keys']);
  return merged;
}

describeGit('a fleet built across runners: build --shard K/N ×3, merge, verify, publish', () => {
  it('publishes the merged tree, then a change chains to it (sequence 2), as one full build would', async () => {
    for (const entry of EXAMPLE) cpSync(join(repositoryRoot, entry), join(work, 'source', entry), { recursive: true });
    const keygen = spawnSync(process.execPath, [join(repositoryRoot, 'bin', 'slipway.js'), 'keygen', '--out', 'keys'], { cwd: work, encoding: 'utf8' });
    expect(keygen.status, keygen.stderr).toBe(0);
    // The deploy commits are signed with this keygen's commit key, which the Kubernetes targets trust.
    rmSync(join(work, 'source', 'keys', 'harbor-commit.pub.asc'));
    cpSync(join(work, 'keys', 'slipway-commit.pub.asc'), join(work, 'source', 'keys', 'slipway-commit.pub.asc'));
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SOURCE_DATE_EPOCH: fixedEpoch,
      NO_COLOR: '1',
      SLIPWAY_SIGNING_KEY: readFileSync(join(work, 'keys', 'slipway-signing.key.pem'), 'utf8'),
      SLIPWAY_COMMIT_SIGNING_KEY_FILE: join(work, 'keys', 'slipway-commit.key.asc'),
      GIT_AUTHOR_NAME: 'Slipway test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Slipway test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    };
    const deploy = join(work, 'deploy.git');
    expect(git(['init', '--quiet', '--bare', '--initial-branch', 'main', deploy]).status).toBe(0);

    await publishRound('first', deploy);
    const head = () => git(['--git-dir', deploy, 'rev-parse', 'main']).stdout.trim();
    const first = head();
    expect(first).toMatch(/^[0-9a-f]{40}$/);

    const path = join(work, 'source', 'environments', 'dev.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^description: .*$/m, 'description: the development sandbox, described again'));
    const merged = await publishRound('second', deploy);
    expect(head()).not.toBe(first);
    expect(JSON.parse(readFileSync(join(merged, 'environments', 'dev', 'release.json'), 'utf8'))).toMatchObject({ sequence: 2 });
    expect(JSON.parse(readFileSync(join(merged, 'environments', 'eu-prod', 'release.json'), 'utf8'))).toMatchObject({ sequence: 1 });
    expect(JSON.parse(readFileSync(join(merged, 'release-index.json'), 'utf8'))).toMatchObject({ sequence: 2 });

    // What was published is exactly the merged tree, and a clone of it verifies.
    const clone = join(work, 'clone');
    expect(git(['clone', '--quiet', deploy, clone]).status).toBe(0);
    const published = new Map([...readTree(clone)].filter(([file]) => !file.startsWith('.git/')));
    expect([...published.keys()]).toEqual([...readTree(merged).keys()]);
    await step(['verify', clone, '--keys', 'keys']);
  }, 300_000);
});
