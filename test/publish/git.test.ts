import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { readTree } from '../support/tree.js';
import {
  bareRepository,
  bindRelease,
  build,
  cleanUp,
  commitCount,
  commitMessageOf,
  consistentIndex,
  copySource,
  divergentBuilds,
  head,
  publishDirect,
  racedBy,
  repositoryFiles,
  signedSource,
  verifyRepository,
} from './helpers.js';

const describeGit = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));
afterEach(cleanUp);

const CODEOWNERS = '* @platform-team\n';
const WORKFLOW = 'name: reconcile\non: push\njobs: {}\n';
const handWritten = { CODEOWNERS, '.github/workflows/reconcile.yml': WORKFLOW };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The repository's files minus the hand-written ones: what Slipway manages. */
function managed(files: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...files].filter(([path]) => !(path in handWritten)));
}

describeGit('publish to a bare git repository', () => {
  it('makes one commit whose tree is the output plus the hand-written files, and none the second time', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    const out = await build(root, bare);
    const first = await runCli(['publish', '--out', out, '--to', bare], { cwd: root });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(head(bare));
    expect(commitCount(bare)).toBe(2);
    const files = repositoryFiles(bare);
    expect(managed(files)).toEqual(readTree(out));
    expect(files.get('CODEOWNERS')!.toString()).toBe(CODEOWNERS);
    expect(files.get('.github/workflows/reconcile.yml')!.toString()).toBe(WORKFLOW);
    expect(commitMessageOf(bare)).toMatch(/^Publish onprem 1\.0\.0, prod 1\.0\.0\n\nEnvironments:\n- onprem: added, release 1\.0\.0 \(sequence 1, manifest [0-9a-f]{12}\)\n- prod: added/);

    const again = await runCli(['publish', '--out', out, '--to', bare], { cwd: root });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/nothing to publish/);
    expect(commitCount(bare)).toBe(2);

    // A rebuild chained to the repository is byte-identical, so it publishes nothing either.
    const rebuilt = await build(root, bare);
    expect((await runCli(['publish', '--out', rebuilt, '--to', bare], { cwd: root })).exitCode).toBe(0);
    expect(commitCount(bare)).toBe(2);
  });

  it('chains the new manifest to the one it replaced, and records the source commit in the message', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root });
    const replaced = repositoryFiles(bare).get('environments/prod/release.json')!;

    bindRelease(root, 'prod', '1.0.1');
    const out = await build(root, bare, ['--source-commit', 'a'.repeat(40)]);
    const run = await runCli(['publish', '--out', out, '--to', bare], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);

    const files = repositoryFiles(bare);
    const manifest = JSON.parse(files.get('environments/prod/release.json')!.toString());
    expect(manifest.previous).toBe(sha256(replaced));
    expect(manifest.sequence).toBe(JSON.parse(replaced.toString()).sequence + 1);
    expect(manifest.release).toBe('1.0.1');
    expect(files.get('CODEOWNERS')!.toString()).toBe(CODEOWNERS);
    expect(commitMessageOf(bare)).toMatch(/^Publish prod 1\.0\.1\n[\s\S]*- prod: updated, release 1\.0\.1 \(sequence 2[\s\S]*Source commit: a{40}\n/);
    expect(consistentIndex(files)).toEqual([]);
    const verify = await runCli(['verify', out], { cwd: root });
    expect(verify.exitCode, verify.stderr).toBe(0);
  });

  it('lets two concurrent publishes of different environments both land', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root });
    const base = commitCount(bare);

    // Two branches of the source, each changing one environment, both built on the same state.
    const [outA, outB] = await divergentBuilds(root, bare, ['prod', '1.0.1'], ['onprem', '1.0.2']);

    const [runA, runB] = await Promise.all([
      publishDirect({ out: outA, to: bare }, {}),
      publishDirect({ out: outB, to: bare }, {}),
    ]);
    expect(runA.exitCode, runA.stderr).toBe(0);
    expect(runB.exitCode, runB.stderr).toBe(0);
    expect(commitCount(bare)).toBe(base + 2);
    const files = repositoryFiles(bare);
    expect(JSON.parse(files.get('environments/prod/release.json')!.toString()).release).toBe('1.0.1');
    expect(JSON.parse(files.get('environments/onprem/release.json')!.toString()).release).toBe('1.0.2');
    expect(consistentIndex(files)).toEqual([]);
    expect(await verifyRepository(bare, root)).toEqual({ exitCode: 0, stderr: '' });
    expect(files.get('README.md')!.toString()).toMatch(/\| onprem \|[^\n]*\| 1\.0\.2 \|[\s\S]*\| prod \|[^\n]*\| 1\.0\.1 \|/);
    expect(files.get('CODEOWNERS')!.toString()).toBe(CODEOWNERS);
  });

  it('retries on a head that moved between its commit and its push (the later publish keeps the other change)', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root });
    const [outA, outB] = await divergentBuilds(root, bare, ['prod', '1.0.1'], ['onprem', '1.0.2']);
    const runB = await publishDirect({ out: outB, to: bare }, { beforeAdvance: racedBy({ out: outA, to: bare }) });
    expect(runB.exitCode, runB.stderr).toBe(0);
    expect(runB.stderr).toMatch(/moved while publishing; reading it again/);
    expect(runB.stderr).toMatch(/prod: kept newer 1\.0\.1/);
    const files = repositoryFiles(bare);
    expect(JSON.parse(files.get('environments/prod/release.json')!.toString()).release).toBe('1.0.1');
    expect(JSON.parse(files.get('environments/onprem/release.json')!.toString()).release).toBe('1.0.2');
    expect(consistentIndex(files)).toEqual([]);
  });

  it('leaves an environment it did not change to the repository even when that moved two publishes ahead (history check)', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root });
    const b = copySource(root);
    bindRelease(b, 'onprem', '1.0.2');
    const outB = await build(b, bare);
    for (const version of ['1.0.1', '1.0.3']) {
      bindRelease(root, 'prod', version);
      expect((await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root })).exitCode).toBe(0);
    }
    // Keeping prod's newer folder changes index.json, so the root manifest is signed again: that takes the release key.
    const before = head(bare);
    const unkeyed = await runCli(['publish', '--out', outB, '--to', bare], { cwd: root });
    expect(unkeyed.exitCode).toBe(4);
    expect(unkeyed.stderr).toMatch(/release-index\.json\) must be signed again[\s\S]*--signing-key/);
    expect(head(bare)).toBe(before);
    const run = await runCli(['publish', '--out', outB, '--to', bare, '--signing-key', 'signing/key.pem'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/prod: kept newer 1\.0\.3 \(sequence 3\)/);
    expect(await verifyRepository(bare, root)).toEqual({ exitCode: 0, stderr: '' });
    const files = repositoryFiles(bare);
    expect(JSON.parse(files.get('environments/onprem/release.json')!.toString()).release).toBe('1.0.2');
    expect(consistentIndex(files)).toEqual([]);
  });

  it('refuses a stale build with exit 4 and commits nothing', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root });
    const [outA, outB] = await divergentBuilds(root, bare, ['prod', '1.0.1'], ['prod', '1.0.2']);
    expect((await runCli(['publish', '--out', outA, '--to', bare], { cwd: root })).exitCode).toBe(0);
    const before = head(bare);

    const stale = await runCli(['publish', '--out', outB, '--to', bare], { cwd: root });
    expect(stale.exitCode).toBe(4);
    expect(stale.stderr).toMatch(/stale build[\s\S]*environments\/prod: this build chained to manifest [0-9a-f]{12}…, but the deploy repository now holds [0-9a-f]{12}…/);
    expect(head(bare)).toBe(before);

    // A build that never saw the repository (no --previous) is just as stale.
    const b = copySource(root);
    bindRelease(b, 'prod', '1.0.2');
    const blind = await runCli(['publish', '--out', await build(b), '--to', bare], { cwd: root });
    expect(blind.exitCode).toBe(4);
    expect(blind.stderr).toMatch(/no previous manifest/);
    expect(head(bare)).toBe(before);
  });

  it('removes an environment that left the source, and keeps a blocked one as the repository has it', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root });
    const onpremBefore = [...repositoryFiles(bare)].filter(([p]) => p.startsWith('environments/onprem/'));

    const onprem = join(root, 'environments', 'onprem.yaml');
    writeFileSync(onprem, readFileSync(onprem, 'utf8').replace('LIC-0001', 'LIC-0042'));
    rmSync(join(root, 'environments', 'prod.yaml'));
    rmSync(join(root, 'secrets', 'prod.sops.yaml'));
    const run = await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    const files = repositoryFiles(bare);
    expect([...files.keys()].filter((p) => p.startsWith('environments/prod/'))).toEqual([]);
    expect([...files].filter(([p]) => p.startsWith('environments/onprem/'))).toEqual(onpremBefore);
    const index = JSON.parse(files.get('index.json')!.toString());
    expect(index.environments.map((e: { name: string; status: string }) => [e.name, e.status])).toEqual([['onprem', 'blocked']]);
    expect(consistentIndex(files)).toEqual([]);
    expect(files.get('CODEOWNERS')!.toString()).toBe(CODEOWNERS);
    expect(commitMessageOf(bare)).toMatch(/^Publish prod \(removed\)/);
  });

  it('refuses unsigned or tampered output (exit 3) and pushes nothing', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    const before = head(bare);
    const unsigned = join(root, 'unsigned');
    expect((await runCli(['build', '--no-sign', '--out', unsigned], { cwd: root })).exitCode).toBe(0);
    const run = await runCli(['publish', '--out', unsigned, '--to', bare], { cwd: root });
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toMatch(/is not signed/);

    const out = await build(root, bare);
    writeFileSync(join(out, 'environments', 'prod', 'README.md'), 'edited by hand\n');
    const tampered = await runCli(['publish', '--out', out, '--to', bare], { cwd: root });
    expect(tampered.exitCode).toBe(3);
    expect(tampered.stderr).toMatch(/environments\/prod\/README\.md does not match release\.json/);
    expect(head(bare)).toBe(before);
  });

  it('with --pull-request pushes a branch and leaves the target branch alone', async () => {
    const root = signedSource();
    const bare = bareRepository(handWritten);
    const before = head(bare);
    const run = await runCli(['publish', '--out', await build(root, bare), '--to', bare, '--pull-request'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    const branch = run.stdout.trim();
    expect(branch).toMatch(/^slipway\/publish-[0-9a-f]{12}$/);
    expect(head(bare)).toBe(before);
    expect(managed(repositoryFiles(bare, branch)).size).toBeGreaterThan(0);
  });

  it('reports usage errors with exit 2', async () => {
    const root = signedSource();
    expect((await runCli(['publish', '--out', 'output'], { cwd: root })).exitCode).toBe(2);
    expect((await runCli(['publish', '--to', 'x', '--branch', '../main'], { cwd: root })).exitCode).toBe(2);
    expect((await runCli(['publish', '--to', 'github:owner/repo', '--out', await build(root)], { cwd: root })).exitCode).toBe(2);
  });
});
