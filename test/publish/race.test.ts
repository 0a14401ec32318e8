import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { repositoryRoot } from '../support/tree.js';
import { bareRepository, bindRelease, build, cleanUp, commitCount, consistentIndex, copySource, repositoryFiles, signedSource, verifyRepository } from './helpers.js';

/**
 * Publishes racing for one deploy repository, as separate processes of the real CLI: ten builds
 * of one repository state, five binding prod to a new release and five binding onprem. Exactly one
 * of each five can land (compare-and-swap per environment; the other environment of a build is
 * kept from the repository, so the two winners merge), every other publish is stale and exits 4
 * without a commit, nothing is lost, and the final tree verifies.
 */

const describeGit = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));
afterEach(cleanUp);

const cli = join(repositoryRoot, 'bin', 'slipway.js');

function publishProcess(out: string, bare: string, root: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'publish', '--out', out, '--to', bare, '--keys', join(root, 'keys'), '--signing-key', join(root, 'signing', 'key.pem')], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH: '1795132800' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describeGit('racing publishes', () => {
  it('ten publishes at once: one winner per environment, every other one stale (exit 4), no lost update, the tree verifies', async () => {
    const root = signedSource();
    const bare = bareRepository({ CODEOWNERS: '* @platform\n' });
    expect((await runCli(['publish', '--out', await build(root, bare), '--to', bare, '--keys', 'keys'], { cwd: root })).exitCode).toBe(0);
    const commitsBefore = commitCount(bare);

    const contenders: Array<{ environment: string; version: string; out: string; root: string }> = [];
    for (let index = 0; index < 10; index++) {
      const environment = index % 2 === 0 ? 'prod' : 'onprem';
      const version = `1.0.${index + 1}`;
      const branch = copySource(root);
      bindRelease(branch, environment, version);
      contenders.push({ environment, version, out: await build(branch, bare), root: branch });
    }
    const results = await Promise.all(contenders.map((contender) => publishProcess(contender.out, bare, contender.root)));

    for (const [index, result] of results.entries()) {
      expect([0, 4], `${contenders[index]!.environment} ${contenders[index]!.version}: ${result.stderr}`).toContain(result.status);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const winners = contenders.filter((_, index) => results[index]!.status === 0);
    expect(winners.map((winner) => winner.environment).sort()).toEqual(['onprem', 'prod']);
    expect(commitCount(bare)).toBe(commitsBefore + 2);

    const files = repositoryFiles(bare);
    for (const winner of winners) {
      expect(JSON.parse(files.get(`environments/${winner.environment}/release.json`)!.toString()).release, `${winner.environment} lost its update`).toBe(winner.version);
    }
    expect(files.get('CODEOWNERS')!.toString()).toBe('* @platform\n');
    expect(consistentIndex(files)).toEqual([]);
    expect(await verifyRepository(bare, root)).toEqual({ exitCode: 0, stderr: '' });
  }, 180_000);
});
