import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { repositoryRoot } from '../support/tree.js';

/**
 * The extras sit in the environment's folder, so its signed manifest lists them, and a changed
 * patch in a shared overlay shows in `slipway diff` for every environment that takes it.
 */
const work = mkdtempSync(join(tmpdir(), 'slipway-extras-diff-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('release.json lists the extra manifest, the patch and the override; diff shows a changed patch', async () => {
  const root = join(work, 'source');
  for (const entry of ['environments', 'services', 'releases', 'policies', 'secrets', 'keys', 'overlays', 'slipway.yaml', 'schemas']) cpSync(join(repositoryRoot, entry), join(root, entry), { recursive: true });
  const out = join(work, 'output');
  const build = await runCli(['build', '--no-sign', '--root', root, '--out', out], { cwd: root });
  expect(build.exitCode, build.stderr).toBe(0);

  const listed = (environment: string) => (JSON.parse(readFileSync(join(out, 'environments', environment, 'release.json'), 'utf8')) as { files: Array<{ path: string }> }).files.map((file) => file.path);
  for (const environment of ['eu-prod', 'brightpath-wl']) {
    expect(listed(environment)).toEqual(expect.arrayContaining(['k8s/extra/overlays/prod-tuning/feature-flags.yaml', 'k8s/patches/overlays/prod-tuning/worker-timeout.yaml', 'k8s/kustomization.yaml', 'k8s/helmrelease-worker.yaml']));
  }
  expect(listed('northwind-onprem')).toContain('compose/docker-compose.override.yml');

  writeFileSync(join(root, 'overlays/prod-tuning/worker-timeout.yaml'), '- op: replace\n  path: /spec/timeout\n  value: 45m\n');
  const diff = await runCli(['diff', '--root', root, '--against', out, '--format', 'json'], { cwd: root });
  expect(diff.exitCode, diff.stderr).toBe(0);
  expect(diff.stdout).toContain('k8s/patches/overlays/prod-tuning/worker-timeout.yaml');
  expect(diff.stdout).toContain('+  value: 45m');
  const report = JSON.stringify(JSON.parse(diff.stdout));
  // Only the two environments that take the overlay change.
  expect(report.match(/"status":"changed"/g)).toHaveLength(2);
});
