import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { AGE_IDENTITY_FILE, COMMIT_KEY_FILE, COMMIT_PUBLIC_KEY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE } from './index.js';

const base = mkdtempSync(join(tmpdir(), 'slipway-commit-keygen-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const all = [AGE_IDENTITY_FILE, COMMIT_KEY_FILE, COMMIT_PUBLIC_KEY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE].sort();

describe('slipway keygen: the commit-signing key', () => {
  it('writes an Ed25519 OpenPGP key pair beside the release key, with the user id asked for and SOURCE_DATE_EPOCH as its creation time', async () => {
    const dir = join(base, 'fresh');
    const run = await runCli(['keygen', '--out', dir, '--commit-user-id', 'Harbor deploy <deploy@harbor.example>'], { cwd: base, env: { SOURCE_DATE_EPOCH: '1795132800' } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(all);
    expect(statSync(join(dir, COMMIT_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, COMMIT_PUBLIC_KEY_FILE)).mode & 0o777).toBe(0o644);
    const secret = await openpgp.readPrivateKey({ armoredKey: readFileSync(join(dir, COMMIT_KEY_FILE), 'utf8') });
    const publicKey = await openpgp.readKey({ armoredKey: readFileSync(join(dir, COMMIT_PUBLIC_KEY_FILE), 'utf8') });
    expect(secret.isDecrypted()).toBe(true);
    expect(publicKey.isPrivate()).toBe(false);
    expect(publicKey.getFingerprint()).toBe(secret.getFingerprint());
    expect(publicKey.getAlgorithmInfo()).toEqual({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
    expect(publicKey.getUserIDs()).toEqual(['Harbor deploy <deploy@harbor.example>']);
    expect(publicKey.getCreationTime().getTime()).toBe(1795132800 * 1000);
    expect(publicKey.subkeys).toHaveLength(0);
    expect(run.stdout).toContain(`commit key id ${publicKey.getKeyID().toHex().toUpperCase()}`);
    // The secret key is written to its file only, never printed.
    expect(run.stdout + run.stderr).not.toMatch(/PRIVATE KEY/);
  });

  it('with --keep-existing, adds the commit pair to a folder made before it existed, and keeps the release key', async () => {
    const dir = join(base, 'older');
    expect((await runCli(['keygen', '--out', dir], { cwd: base })).exitCode).toBe(0);
    rmSync(join(dir, COMMIT_KEY_FILE));
    rmSync(join(dir, COMMIT_PUBLIC_KEY_FILE));
    const releaseKey = readFileSync(join(dir, SIGNING_KEY_FILE), 'utf8');
    const run = await runCli(['keygen', '--out', dir, '--keep-existing'], { cwd: base });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(all);
    expect(readFileSync(join(dir, SIGNING_KEY_FILE), 'utf8')).toBe(releaseKey);
    expect(run.stdout).not.toMatch(/signing key id/);
    const again = await runCli(['keygen', '--out', dir, '--keep-existing'], { cwd: base });
    expect(again.stderr).toMatch(/kept/);
  });

  it('refuses to overwrite a commit key, and a user id that is not "Name <email>", writing nothing', async () => {
    const dir = join(base, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, COMMIT_PUBLIC_KEY_FILE), 'keep me');
    const taken = await runCli(['keygen', '--out', dir], { cwd: base });
    expect(taken.exitCode).toBe(1);
    expect(taken.stderr).toMatch(/refusing to overwrite .*slipway-commit\.pub\.asc/);
    expect(readdirSync(dir)).toEqual([COMMIT_PUBLIC_KEY_FILE]);
    const bad = await runCli(['keygen', '--out', join(base, 'bad'), '--commit-user-id', 'deploy@example.com'], { cwd: base });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/is not a user id: expected "Name <email>"/);
  });
});
