import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { readTree, useTrees } from '../support/tree.js';

const tree = useTrees();

describe('slipway build', () => {
  it('writes index.json, README.md and the deployment-server policies', async () => {
    const root = tree();
    const run = await runCli(['build', '--no-sign'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    const files = [...readTree(join(root, 'output')).keys()].sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'index.json',
        'api/v1/deployment-server/attestation-policy.json',
        'api/v1/deployment-server/provisioning-policy.json',
        'api/v1/deployment-server/secrets-policy.json',
        'api/v1/deployment-server/target-policy.json',
      ]),
    );
    const index = JSON.parse(readFileSync(join(root, 'output', 'index.json'), 'utf8'));
    expect(index.environments.map((e: { name: string; status: string }) => [e.name, e.status])).toEqual([
      ['onprem', 'ready'],
      ['prod', 'ready'],
    ]);
    const target = JSON.parse(readFileSync(join(root, 'output', 'api/v1/deployment-server/target-policy.json'), 'utf8'));
    expect(target.spec.revokedLicenses).toEqual(['LIC-0042']);
  });

  it('lists a blocked target with every reason in index.json and README.md', async () => {
    const original = readFileSync(join(tree(), 'environments', 'onprem.yaml'), 'utf8');
    const root = tree({
      'environments/onprem.yaml': original.replace('LIC-0001', 'LIC-0042').replace(/backups:\n.*\n.*\n/, ''),
    });
    const run = await runCli(['build', '--no-sign'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(root, 'output', 'index.json'), 'utf8'));
    const onprem = index.environments.find((e: { name: string }) => e.name === 'onprem');
    expect(onprem.status).toBe('blocked');
    expect(onprem.blockReasons.map((r: { cause: string }) => r.cause)).toEqual(['license-revoked', 'backup-missing']);
    const readme = readFileSync(join(root, 'output', 'README.md'), 'utf8');
    expect(readme).toContain('license LIC-0042 is revoked');
    expect((await runCli(['build', '--no-sign', '--fail-on-blocked'], { cwd: root })).exitCode).toBe(1);
  });

  it('gives byte-identical output for the same inputs, whatever the time of day', async () => {
    const root = tree();
    await runCli(['build', '--no-sign', '--out', 'a'], { cwd: root });
    await runCli(['build', '--no-sign', '--out', 'b'], { cwd: root, env: { SOURCE_DATE_EPOCH: '1795132800' } });
    expect(readTree(join(root, 'a'))).toEqual(readTree(join(root, 'b')));
  });

  it('writes nothing when the input is invalid, and keeps the previous output', async () => {
    const root = tree();
    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(0);
    const before = readTree(join(root, 'output'));
    writeFileSync(join(root, 'environments', 'prod.yaml'), 'name: prod\nmode: nope\n');
    const run = await runCli(['build', '--no-sign'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('nothing was written');
    expect(readTree(join(root, 'output'))).toEqual(before);
  });

  it('fails an Argo CD target without a deploy repository with a positioned error, and builds once slipway.yaml names one', async () => {
    const prod = readFileSync(join(tree(), 'environments', 'prod.yaml'), 'utf8');
    const root = tree({ 'environments/prod.yaml': `${prod}reconciler: argocd\n` });
    const run = await runCli(['build', '--no-sign'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/environments\/prod\.yaml:13:13: error deploy-repo-required: .*set deployRepo/);
    writeFileSync(join(root, 'slipway.yaml'), 'deployRepo: github:example/deploy\n');
    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(0);
  });

  it('refuses to replace a folder that is not Slipway output', async () => {
    const root = tree();
    mkdirSync(join(root, 'precious'));
    writeFileSync(join(root, 'precious', 'notes.txt'), 'keep me');
    const run = await runCli(['build', '--no-sign', '--out', 'precious'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/does not look like Slipway output/);
    expect(readFileSync(join(root, 'precious', 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('replaces the previous output whole, leaving no staging folders behind', async () => {
    const root = tree();
    await runCli(['build', '--no-sign'], { cwd: root });
    writeFileSync(join(root, 'output', 'stale.txt'), 'from an older build');
    await runCli(['build', '--no-sign'], { cwd: root });
    expect(existsSync(join(root, 'output', 'stale.txt'))).toBe(false);
    expect(readdirSync(root).filter((name) => name.startsWith('.output'))).toEqual(['.output.build-record.json']);
  });
});
