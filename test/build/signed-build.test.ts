import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { opensslVerifies, opensslVerifiesFile } from '../support/openssl.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { useTrees } from '../support/tree.js';

const describeOpenssl = describeWithTool('openssl', toolPresent('openssl', ['version']));
const newTree = useTrees();

/** A source tree with an OpenSSL-made signing key in `signing/` and its public key trusted in `keys/`. */
function signedTree(): string {
  const root = newTree();
  mkdirSync(join(root, 'signing'));
  mkdirSync(join(root, 'keys'));
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(root, 'signing', 'key.pem')]);
  execFileSync('openssl', ['pkey', '-in', join(root, 'signing', 'key.pem'), '-pubout', '-out', join(root, 'keys', 'release.pub.pem')]);
  return root;
}


describeOpenssl('signed builds', () => {
  it('signs every ready environment with a key made by OpenSSL, and OpenSSL verifies it', async () => {
    const root = signedTree();
    const run = await runCli(['build', '--signing-key', 'signing/key.pem'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const environment of ['onprem', 'prod']) {
      expect(opensslVerifies(join(root, 'output', 'environments', environment), join(root, 'keys', 'release.pub.pem'))).toBe(true);
    }
    expect(opensslVerifiesFile(join(root, 'output', 'release-index.json'), join(root, 'keys', 'release.pub.pem'))).toBe(true);
    const verify = await runCli(['verify', 'output'], { cwd: root });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok onprem 1\.0\.0 signed by [0-9a-f]{16}\nok prod 1\.0\.0 signed by [0-9a-f]{16}\n$/);
  });

  it('takes the key from SLIPWAY_SIGNING_KEY, and refuses to build with no key and no --no-sign (exit 2)', async () => {
    const root = signedTree();
    const pem = readFileSync(join(root, 'signing', 'key.pem'), 'utf8');
    expect((await runCli(['build'], { cwd: root, env: { SLIPWAY_SIGNING_KEY: pem } })).exitCode).toBe(0);
    const unsigned = await runCli(['build'], { cwd: root });
    expect(unsigned.exitCode).toBe(2);
    expect(unsigned.stderr).toMatch(/--signing-key FILE or set SLIPWAY_SIGNING_KEY/);
  });

  it('gives blocked environments no manifest', async () => {
    const root = signedTree();
    const onprem = readFileSync(join(root, 'environments', 'onprem.yaml'), 'utf8').replace('LIC-0001', 'LIC-0042');
    writeFileSync(join(root, 'environments', 'onprem.yaml'), onprem);
    expect((await runCli(['build', '--signing-key', 'signing/key.pem'], { cwd: root })).exitCode).toBe(0);
    expect(() => readFileSync(join(root, 'output', 'environments', 'onprem', 'release.json'))).toThrow();
    const index = JSON.parse(readFileSync(join(root, 'output', 'index.json'), 'utf8'));
    expect(index.environments.find((e: { name: string }) => e.name === 'onprem').manifestSha256).toBeNull();
    expect(index.environments.find((e: { name: string }) => e.name === 'prod').manifestSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('chains to --previous: unchanged environments keep manifest and signature byte for byte; changed ones get sequence+1 and the old digest', async () => {
    const root = signedTree();
    await runCli(['build', '--signing-key', 'signing/key.pem', '--out', 'first'], { cwd: root });
    const firstProd = readFileSync(join(root, 'first', 'environments', 'prod', 'release.json'));
    const firstSignature = readFileSync(join(root, 'first', 'environments', 'prod', 'release.json.sig'));

    const same = await runCli(['build', '--signing-key', 'signing/key.pem', '--previous', 'first', '--out', 'second'], { cwd: root });
    expect(same.exitCode, same.stderr).toBe(0);
    expect(readFileSync(join(root, 'second', 'environments', 'prod', 'release.json'))).toEqual(firstProd);
    expect(readFileSync(join(root, 'second', 'environments', 'prod', 'release.json.sig'))).toEqual(firstSignature);

    // A changed release: prod's manifest must chain to the one it replaces.
    cpSync(join(root, 'releases', '1.0.0.yaml'), join(root, 'releases', '1.0.1.yaml'));
    writeFileSync(join(root, 'releases', '1.0.1.yaml'), readFileSync(join(root, 'releases', '1.0.1.yaml'), 'utf8').replace('version: "1.0.0"', 'version: "1.0.1"'));
    writeFileSync(join(root, 'environments', 'prod.yaml'), readFileSync(join(root, 'environments', 'prod.yaml'), 'utf8').replace('release: "1.0.0"', 'release: "1.0.1"'));
    await runCli(['build', '--signing-key', 'signing/key.pem', '--previous', 'second', '--out', 'third'], { cwd: root });
    const manifest = JSON.parse(readFileSync(join(root, 'third', 'environments', 'prod', 'release.json'), 'utf8'));
    const { createHash } = await import('node:crypto');
    expect(manifest.sequence).toBe(2);
    expect(manifest.previous).toBe(createHash('sha256').update(firstProd).digest('hex'));
    expect(opensslVerifies(join(root, 'third', 'environments', 'prod'), join(root, 'keys', 'release.pub.pem'))).toBe(true);
  });

  it('refuses a --previous with a link in a folder it chains to (exit 3), whatever file the link stands for', async () => {
    const root = signedTree();
    await runCli(['build', '--signing-key', 'signing/key.pem', '--out', 'first'], { cwd: root });
    // Only release.json and its signature are read from a folder a build chains to; every entry is still looked at.
    symlinkSync('/etc/hostname', join(root, 'first', 'environments', 'prod', 'elsewhere'));
    const refused = await runCli(['build', '--signing-key', 'signing/key.pem', '--previous', 'first', '--out', 'second'], { cwd: root });
    expect(refused.exitCode, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/refusing to read the deploy state .*first:\n {2}environments\/prod\/elsewhere is a symbolic link/);
    rmSync(join(root, 'first', 'environments', 'prod', 'elsewhere'));
    const manifest = join(root, 'first', 'environments', 'prod', 'release.json');
    renameSync(manifest, join(root, 'outside-release.json'));
    symlinkSync(join(root, 'outside-release.json'), manifest);
    const linked = await runCli(['build', '--signing-key', 'signing/key.pem', '--previous', 'first', '--out', 'third'], { cwd: root });
    expect(linked.exitCode, linked.stderr).toBe(3);
    expect(linked.stderr).toMatch(/environments\/prod\/release\.json is a symbolic link/);
  });

  it('reads --previous from a git repository with #ref', async () => {
    const root = signedTree();
    await runCli(['build', '--signing-key', 'signing/key.pem', '--out', 'deploy'], { cwd: root });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: join(root, 'deploy'), stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'deploy');
    execFileSync('git', ['clone', '-q', '--bare', join(root, 'deploy'), join(root, 'deploy.git')]);
    const run = await runCli(['build', '--signing-key', 'signing/key.pem', '--previous', `${join(root, 'deploy.git')}#main`, '--out', 'next'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readFileSync(join(root, 'next', 'environments', 'prod', 'release.json'))).toEqual(readFileSync(join(root, 'deploy', 'environments', 'prod', 'release.json')));
  });

  it('verify exits 3 naming a tampered file and an untrusted key', async () => {
    const root = signedTree();
    await runCli(['build', '--signing-key', 'signing/key.pem'], { cwd: root });
    writeFileSync(join(root, 'output', 'environments', 'prod', 'release.json'), readFileSync(join(root, 'output', 'environments', 'prod', 'release.json'), 'utf8').replace('"sequence":1', '"sequence":7'));
    const tampered = await runCli(['verify', 'output'], { cwd: root });
    expect(tampered.exitCode).toBe(3);
    expect(tampered.stderr).toContain('environments/prod/release.json');

    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(root, 'other.pem')]);
    execFileSync('openssl', ['pkey', '-in', join(root, 'other.pem'), '-pubout', '-out', join(root, 'signing', 'other.pub.pem')]);
    const untrusted = await runCli(['verify', 'output', '--keys', 'signing'], { cwd: root });
    expect(untrusted.exitCode).toBe(3);
    expect(untrusted.stderr).toMatch(/environments\/onprem\/release\.json\.sig/);
  });
});
