import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { opensslVerifies } from './support/openssl.js';
import { describeWithTool, toolPresent } from './support/tools.js';
import { readTree, repositoryRoot } from './support/tree.js';

const describeOpenssl = describeWithTool('openssl', toolPresent('openssl', ['version']));
const work = mkdtempSync(join(tmpdir(), 'slipway-example-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));


describeOpenssl('the bundled example, built and signed with an OpenSSL key', () => {
  it('gives every ready environment a manifest OpenSSL verifies, listing every file; blocked ones get none; a rebuild is byte-identical', async () => {
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(work, 'key.pem')]);
    mkdirSync(join(work, 'keys'));
    execFileSync('openssl', ['pkey', '-in', join(work, 'key.pem'), '-pubout', '-out', join(work, 'keys', 'release.pub.pem')]);
    const build = (out: string) => runCli(['build', '--signing-key', join(work, 'key.pem'), '--out', join(work, out), '--source-commit', 'a'.repeat(40)], { cwd: repositoryRoot });
    const first = await build('first');
    expect(first.exitCode, first.stderr).toBe(0);

    const index = JSON.parse(readFileSync(join(work, 'first', 'index.json'), 'utf8')) as { environments: Array<{ name: string; status: string; manifestSha256: string | null }> };
    const ready = index.environments.filter((e) => e.status === 'ready');
    const blocked = index.environments.filter((e) => e.status === 'blocked');
    expect(ready.length).toBeGreaterThanOrEqual(10);
    expect(blocked).toHaveLength(5);
    const tree = readTree(join(work, 'first'));
    for (const environment of ready) {
      const folder = join(work, 'first', 'environments', environment.name);
      expect(opensslVerifies(folder, join(work, 'keys', 'release.pub.pem')), environment.name).toBe(true);
      const manifest = JSON.parse(readFileSync(join(folder, 'release.json'), 'utf8'));
      expect(manifest.source).toEqual({ commit: 'a'.repeat(40) });
      const listed = manifest.files.map((f: { path: string }) => `environments/${environment.name}/${f.path}`);
      const present = [...tree.keys()].filter((p) => p.startsWith(`environments/${environment.name}/`) && !p.endsWith('/release.json') && !p.endsWith('/release.json.sig'));
      expect(listed).toEqual(present.sort());
      expect(listed).toContain(`environments/${environment.name}/secrets/secrets.sops.yaml`);
    }
    for (const environment of blocked) {
      expect([...tree.keys()].some((p) => p.startsWith(`environments/${environment.name}/`))).toBe(false);
      expect(environment.manifestSha256).toBeNull();
    }
    const verify = await runCli(['verify', join(work, 'first'), '--keys', join(work, 'keys')], { cwd: repositoryRoot });
    expect(verify.exitCode, verify.stderr).toBe(0);

    expect((await build('second')).exitCode).toBe(0);
    expect(readTree(join(work, 'second'))).toEqual(tree);
  });
});
