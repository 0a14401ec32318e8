import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { runPublish, type PublishCommandOptions, type PublishDependencies } from '../../src/cli/commands/publish.js';
import type { CliIo } from '../../src/cli/io.js';
import { UserError } from '../../src/core/errors.js';
import { defaultBackoff, type Backoff } from '../../src/publish/retry.js';
import { runCli } from '../support/cli.js';
import { makeTree } from '../support/tree.js';

const cleanups: string[] = [];

/** Removes every folder the helpers made; call from afterEach. */
export function cleanUp(): void {
  while (cleanups.length) rmSync(cleanups.pop()!, { recursive: true, force: true });
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(dir);
  return dir;
}

/** The minimal fixture with an OpenSSL-made Ed25519 key in `signing/` and its public key in `keys/`. */
export function signedSource(): string {
  const root = makeTree();
  cleanups.push(root);
  mkdirSync(join(root, 'signing'));
  mkdirSync(join(root, 'keys'), { recursive: true });
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(root, 'signing', 'key.pem')]);
  execFileSync('openssl', ['pkey', '-in', join(root, 'signing', 'key.pem'), '-pubout', '-out', join(root, 'keys', 'release.pub.pem')]);
  return root;
}

/** A second source tree signed with the same key (another branch of the same source repository). */
export function copySource(root: string): string {
  const copy = tempDir('slipway-source-');
  execFileSync('cp', ['-a', `${root}/.`, copy]);
  return copy;
}

const git = (bare: string, args: string[], input?: string | Buffer, env: Record<string, string> = {}) =>
  execFileSync('git', ['--git-dir', bare, ...args], { input: input ?? '', env: { ...process.env, ...env } });

/** A bare repository on `main`, optionally with a first commit holding hand-written files. */
export function bareRepository(files: Record<string, string> = {}): string {
  const bare = join(tempDir('slipway-deploy-'), 'deploy.git');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', bare]);
  if (Object.keys(files).length === 0) return bare;
  const env = { GIT_INDEX_FILE: join(bare, 'seed.index'), GIT_AUTHOR_NAME: 'Owner', GIT_AUTHOR_EMAIL: 'owner@example.com', GIT_COMMITTER_NAME: 'Owner', GIT_COMMITTER_EMAIL: 'owner@example.com' };
  for (const [path, content] of Object.entries(files)) {
    const id = git(bare, ['hash-object', '-w', '--stdin'], content).toString().trim();
    git(bare, ['update-index', '--add', '--cacheinfo', `100644,${id},${path}`], undefined, env);
  }
  const tree = git(bare, ['write-tree'], undefined, env).toString().trim();
  const commit = git(bare, ['commit-tree', tree, '-m', 'Hand-written files'], undefined, env).toString().trim();
  git(bare, ['update-ref', 'refs/heads/main', commit]);
  rmSync(env.GIT_INDEX_FILE, { force: true });
  return bare;
}

export function head(bare: string, branch = 'main'): string {
  return git(bare, ['rev-parse', `refs/heads/${branch}`]).toString().trim();
}

export function commitCount(bare: string, branch = 'main'): number {
  return Number(git(bare, ['rev-list', '--count', `refs/heads/${branch}`]).toString().trim());
}

export function commitMessageOf(bare: string, ref = 'main'): string {
  return git(bare, ['log', '-1', '--format=%B', ref]).toString();
}

/** Every file of a branch: path → bytes. */
export function repositoryFiles(bare: string, ref = 'main'): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const listing = git(bare, ['ls-tree', '-r', '-z', ref]).toString();
  const records = listing.split('\0').filter(Boolean).map((record) => record.split('\t') as [string, string]);
  // One `cat-file --batch` for all: each answer is `<id> blob <size>\n<content>\n`.
  let answers = git(bare, ['cat-file', '--batch'], records.map(([meta]) => `${meta.split(' ')[2]}\n`).join(''));
  for (const [, path] of records) {
    const end = answers.indexOf(10);
    const size = Number(answers.subarray(0, end).toString().split(' ')[2]);
    files.set(path, Buffer.from(answers.subarray(end + 1, end + 1 + size)));
    answers = answers.subarray(end + size + 2);
  }
  return files;
}

/** The source tree each output folder was built from, so a publish of it trusts that tree's keys. */
const sourceOf = new Map<string, string>();

/** `slipway build`, signed, chained to `previous` when given; returns the output folder. */
export async function build(root: string, previous?: string, extra: string[] = []): Promise<string> {
  const out = join(tempDir('slipway-out-'), 'output');
  const run = await runCli(['build', '--signing-key', 'signing/key.pem', '--out', out, ...(previous ? ['--previous', previous] : []), ...extra], { cwd: root });
  if (run.exitCode !== 0) throw new Error(`build failed (${run.exitCode}): ${run.stderr}`);
  sourceOf.set(out, root);
  return out;
}

/** Binds `environment` to a new release `version` (a copy of 1.0.0 under another version). */
export function bindRelease(root: string, environment: string, version: string): void {
  const release = readFileSync(join(root, 'releases', '1.0.0.yaml'), 'utf8').replace('version: "1.0.0"', `version: "${version}"`);
  writeFileSync(join(root, 'releases', `${version}.yaml`), release);
  const file = join(root, 'environments', `${environment}.yaml`);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/release: "[^"]+"/, `release: "${version}"`));
}

/**
 * Two branches of the source, each binding one environment to another release, both built on the
 * repository as it is now: two publishes about to race each other.
 */
export async function divergentBuilds(root: string, bare: string, a: [environment: string, version: string], b: [environment: string, version: string]): Promise<[string, string]> {
  const outs: string[] = [];
  for (const [environment, version] of [a, b]) {
    const branch = copySource(root);
    bindRelease(branch, environment, version);
    outs.push(await build(branch, bare));
  }
  return [outs[0]!, outs[1]!];
}

/** The manifests in a tree hold the digests index.json claims, and README.md names each release. */
export function consistentIndex(files: Map<string, Buffer>): string[] {
  const problems: string[] = [];
  const index = JSON.parse(files.get('index.json')!.toString()) as { environments: Array<{ name: string; release: string; manifestSha256: string | null }> };
  for (const entry of index.environments) {
    const manifest = files.get(`environments/${entry.name}/release.json`);
    const digest = manifest ? execFileSync('sha256sum', { input: manifest }).toString().split(' ')[0] : null;
    if (digest !== entry.manifestSha256) problems.push(`${entry.name}: index says ${entry.manifestSha256}, folder holds ${digest}`);
    if (manifest && JSON.parse(manifest.toString()).release !== entry.release) problems.push(`${entry.name}: index release ${entry.release} differs from its manifest`);
  }
  return problems;
}

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `runPublish` in-process with test dependencies (instant waits, a hook before the branch moves). */
export async function publishDirect(options: PublishCommandOptions, dependencies: PublishDependencies, env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { ...env }, cwd: tmpdir(), isTerminal: false };
  // As the publish workflow runs it: trusting the source's keys/, holding its release key.
  const source = options.out ? sourceOf.get(resolve(options.out)) : undefined;
  const withKeys = source ? { keys: join(source, 'keys'), signingKey: join(source, 'signing', 'key.pem'), ...options } : options;
  try {
    const exitCode = await runPublish(withKeys, io, { backoff: instantBackoff(), ...dependencies });
    return { exitCode, stdout, stderr };
  } catch (error) {
    if (error instanceof UserError) return { exitCode: error.exitCode, stdout, stderr: `${stderr}slipway: ${error.message}\n` };
    throw error;
  }
}

/** A `beforeAdvance` hook that lands `other` first, once: the branch moves between this publish's commit and its push. */
export function racedBy(other: PublishCommandOptions, env: Record<string, string> = {}): NonNullable<PublishDependencies['beforeAdvance']> {
  let raced = false;
  return async () => {
    if (raced) return;
    raced = true;
    expect((await publishDirect(other, {}, env)).exitCode).toBe(0);
  };
}

/** A backoff that records its waits instead of waiting. */
export function instantBackoff(waits: number[] = []): Backoff {
  return { ...defaultBackoff, sleep: async (ms) => void waits.push(ms), now: () => 1_800_000_000_000 };
}

/** `slipway verify` of a branch's files (checked out into a new folder) under the source's trusted keys. */
export async function verifyRepository(bare: string, root: string, ref = 'main'): Promise<{ exitCode: number; stderr: string }> {
  const dir = tempDir('slipway-checkout-');
  execFileSync('sh', ['-c', 'git --git-dir "$1" archive "$2" | tar -x -C "$3"', 'sh', bare, ref, dir]);
  const run = await runCli(['verify', dir, '--keys', join(root, 'keys')], { cwd: root });
  return { exitCode: run.exitCode, stderr: run.stderr };
}
