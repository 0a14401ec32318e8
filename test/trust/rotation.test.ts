import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { opensslVerifiesFile } from '../support/openssl.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { bareRepository, build, cleanUp, commitCount, copySource, head, signedSource, tempDir } from '../publish/helpers.js';

/**
 * Rotating a leaked release key, end to end through the command line, as the README's steps do it:
 * build and publish with key A; add key B and revoke A in the attestation policy; `build
 * --previous` signs everything with B; verify and publish accept that tree under {A, B} and refuse
 * anything only A signed — a folder replayed from before the rotation, and a tree the holder of A
 * builds without the revocation, which verify --against and publish refuse from the state that
 * recorded it. OpenSSL checks every signature.
 */

const describeTools = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));

let root: string;
let bare: string;
/** The tree built and published with A, and its commit. */
let before: string;
let firstCommit: string;
/** The tree `build --previous` made with B after A was revoked. */
let rotated: string;
let keyA: string;
let keyB: string;
let originalPolicy: string;

/** A key id as SPEC §4 defines it, computed with OpenSSL: sha256 of the raw 32-byte public key, 16 hex digits. */
const keyIdOf = (publicPem: string) => createHash('sha256').update(execFileSync('openssl', ['pkey', '-pubin', '-in', publicPem, '-outform', 'DER']).subarray(-32)).digest('hex').slice(0, 16);
const read = (dir: string, path: string) => readFileSync(join(dir, path));
const signatureFiles = (dir: string) => ['release-index.json', ...readdirSync(join(dir, 'environments')).sort().map((name) => `environments/${name}/release.json`)];
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const clone = (ref?: string): string => {
  const dir = join(tempDir('slipway-clone-'), 'deploy');
  execFileSync('git', ['clone', '--quiet', bare, dir], { stdio: 'pipe' });
  if (ref) execFileSync('git', ['-C', dir, 'checkout', '--quiet', '--detach', ref], { stdio: 'pipe' });
  return dir;
};

beforeAll(async () => {
  root = signedSource();
  bare = bareRepository({ CODEOWNERS: '* @platform\n' });
  keyA = keyIdOf(join(root, 'keys', 'release.pub.pem'));
  before = await build(root, bare);
  const published = await runCli(['publish', '--out', before, '--to', bare], { cwd: root });
  if (published.exitCode !== 0) throw new Error(published.stderr);
  firstCommit = head(bare);

  // The rotation: a new key B trusted beside A, A revoked; onprem is meanwhile blocked (its folder is kept).
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(root, 'signing', 'b.pem')]);
  execFileSync('openssl', ['pkey', '-in', join(root, 'signing', 'b.pem'), '-pubout', '-out', join(root, 'keys', 'release-b.pub.pem')]);
  keyB = keyIdOf(join(root, 'keys', 'release-b.pub.pem'));
  originalPolicy = readFileSync(join(root, 'policies', 'attestation-policy.yaml'), 'utf8');
  writeFileSync(join(root, 'policies', 'attestation-policy.yaml'), `${originalPolicy}revokedKeys:\n  - {keyId: "${keyA}", reason: leaked in a CI log}\n`);
  const onprem = join(root, 'environments', 'onprem.yaml');
  writeFileSync(onprem, readFileSync(onprem, 'utf8').replace('LIC-0001', 'LIC-0042'));
  rotated = await build(root, bare, ['--signing-key', 'signing/b.pem']);
}, 180_000);
afterAll(cleanUp);

describeTools('rotating the release key', () => {
  it('refuses to build with the revoked key: exit 1, at the policy line that revokes it', async () => {
    const run = await runCli(['build', '--signing-key', 'signing/key.pem', '--previous', bare, '--out', join(tempDir('slipway-out-'), 'o')], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`policies/attestation-policy.yaml:${originalPolicy.split('\n').length + 1}:`);
    expect(run.stderr).toMatch(new RegExp(`error revoked-signing-key: the signing key ${keyA} is revoked: policies/attestation-policy\\.yaml revokes it \\(leaked in a CI log\\); sign with a current key`));
    expect(run.stderr).toContain('nothing was written');
  });

  it('build --previous signs every manifest with B: a kept folder keeps its manifest and sequence, and the root manifest records the revocation', () => {
    for (const file of signatureFiles(rotated)) {
      expect(opensslVerifiesFile(join(rotated, file), join(root, 'keys', 'release-b.pub.pem')), `${file} under B`).toBe(true);
      expect(opensslVerifiesFile(join(rotated, file), join(root, 'keys', 'release.pub.pem')), `${file} under A`).toBe(false);
    }
    // The blocked onprem: the same manifest bytes (sequence 1 still), only the signature is new.
    expect(read(rotated, 'environments/onprem/release.json')).toEqual(read(before, 'environments/onprem/release.json'));
    expect(read(rotated, 'environments/onprem/release.json.sig')).not.toEqual(read(before, 'environments/onprem/release.json.sig'));
    expect(JSON.parse(read(rotated, 'environments/onprem/release.json').toString()).sequence).toBe(1);
    const index = JSON.parse(read(rotated, 'release-index.json').toString());
    expect(index).toMatchObject({ sequence: 2, revokedKeys: [keyA], previous: createHash('sha256').update(read(before, 'release-index.json')).digest('hex') });
    // The policy (and so the deployment server's copy of it) names the revoked key too.
    expect(JSON.parse(read(rotated, 'api/v1/deployment-server/attestation-policy.json').toString()).spec.revokedKeys).toEqual([{ keyId: keyA, reason: 'leaked in a CI log' }]);
  });

  it('verify passes under {A, B} with A revoked, and publish commits the rotation; a client that trusted the state before it accepts it', async () => {
    const verify = await runCli(['verify', rotated], { cwd: root });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toContain(`ok onprem 1.0.0 signed by ${keyB}\n`);
    expect(verify.stdout).toContain(`ok prod 1.0.0 signed by ${keyB}\n`);
    const publish = await runCli(['publish', '--out', rotated, '--to', bare, '--signing-key', 'signing/b.pem'], { cwd: root });
    expect(publish.exitCode, publish.stderr).toBe(0);
    expect(publish.stderr).toMatch(/^ {2}onprem: re-signed 1\.0\.0 \(sequence 1\)$/m);
    // The same manifest signed again is the same manifest to --against: no replay, no fork.
    const against = await runCli(['verify', clone(), '--against', `${bare}#${firstCommit}`], { cwd: root });
    expect(against.exitCode, against.stderr).toBe(0);
    expect(against.stdout).toContain(`ok onprem 1.0.0 signed by ${keyB}\n`);
  }, 60_000);

  it('refuses the folder signed by A replayed into the rotated tree, in verify and publish (exit 3, the file named)', async () => {
    const dir = join(tempDir('slipway-replayed-'), 'output');
    cpSync(rotated, dir, { recursive: true });
    rmSync(join(dir, 'environments/onprem'), { recursive: true });
    cpSync(join(before, 'environments/onprem'), join(dir, 'environments/onprem'), { recursive: true });
    // Its manifest is byte for byte the one the root manifest lists: only the revocation catches it.
    const verify = await runCli(['verify', dir], { cwd: root });
    expect(verify.exitCode).toBe(3);
    expect(verify.stderr).toMatch(new RegExp(`^environments/onprem/release\\.json\\.sig is signed by key ${keyA} only, which is revoked \\(by release-index\\.json\\)`, 'm'));
    expect(verify.stderr.trim().split('\n')).toHaveLength(2);
    const commits = commitCount(bare);
    const publish = await runCli(['publish', '--out', dir, '--to', bare, '--signing-key', 'signing/b.pem'], { cwd: root });
    expect(publish.exitCode).toBe(3);
    expect(publish.stderr).toMatch(new RegExp(`\\n {2}environments/onprem/release\\.json\\.sig is signed by key ${keyA} only, which is revoked`));
    expect(commitCount(bare)).toBe(commits);
  });

  it('refuses a tree the holder of A builds without the revocation, in verify --against and in publish to the repository that recorded it', async () => {
    const attacker = copySource(root);
    writeFileSync(join(attacker, 'policies', 'attestation-policy.yaml'), originalPolicy);
    const forged = await build(attacker, `${bare}#${firstCommit}`, ['--signing-key', 'signing/key.pem']);
    // On its own, under keys that still hold A, it is a valid tree: only a trusted side knows better.
    expect((await runCli(['verify', forged], { cwd: root })).exitCode).toBe(0);
    const explicit = await runCli(['verify', forged, '--revoked', keyA], { cwd: root });
    expect(explicit.exitCode).toBe(3);
    expect(explicit.stderr).toMatch(new RegExp(`^release-index\\.json\\.sig is signed by key ${keyA} only, which is revoked \\(by --revoked\\)`, 'm'));

    const against = await runCli(['verify', forged, '--against', bare], { cwd: root });
    expect(against.exitCode).toBe(3);
    for (const file of ['release-index.json.sig', 'environments/onprem/release.json.sig', 'environments/prod/release.json.sig']) {
      expect(against.stderr).toMatch(new RegExp(`^${escape(file)} is signed by key ${keyA} only, which is revoked \\(by the trusted state ${escape(bare)}\\)`, 'm'));
    }
    expect(against.stderr).toMatch(new RegExp(`^release-index\\.json does not revoke key ${keyA}, which the trusted state ${escape(bare)} revokes: a revocation was dropped`, 'm'));
    expect(against.stdout).not.toMatch(/^ok /m);

    const commits = commitCount(bare);
    const headBefore = head(bare);
    const publish = await runCli(['publish', '--out', forged, '--to', bare, '--signing-key', 'signing/key.pem'], { cwd: root });
    expect(publish.exitCode).toBe(3);
    expect(publish.stderr).toContain('it is signed by a revoked release key (nothing was committed)');
    expect(publish.stderr).toMatch(new RegExp(`\\n {2}environments/prod/release\\.json\\.sig is signed by key ${keyA} only, which ${escape(bare)} main revokes`));
    expect(head(bare)).toBe(headBefore);
    expect(commitCount(bare)).toBe(commits);
  }, 60_000);

  it('ends with A gone from keys/: no warning left, and the deploy repository verifies under B alone', async () => {
    const warned = await runCli(['validate', '--format', 'json'], { cwd: root });
    expect(warned.stdout).toContain('"code":"revoked-key-present"');
    rmSync(join(root, 'keys', 'release.pub.pem'));
    const validate = await runCli(['validate', '--format', 'json'], { cwd: root });
    expect(validate.exitCode, validate.stdout).toBe(0);
    expect(validate.stdout).not.toContain('revoked-key-present');
    const verify = await runCli(['verify', clone()], { cwd: root });
    expect(verify.exitCode, verify.stderr).toBe(0);
    // A later build is unchanged: every signature is B's already.
    const again = await build(root, bare, ['--signing-key', 'signing/b.pem']);
    expect(read(again, 'release-index.json')).toEqual(read(rotated, 'release-index.json'));
    expect(read(again, 'environments/onprem/release.json.sig')).toEqual(read(rotated, 'environments/onprem/release.json.sig'));
  });
});
