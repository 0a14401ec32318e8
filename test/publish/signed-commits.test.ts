import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWithGpg, keyringWith, validSignatureBy, type Keyring } from '../support/gnupg.js';
import { startFakeGitHub, type FakeGitHub } from './github-server.js';
import { bareRepository, build, cleanUp, head, publishDirect, signedSource, tempDir, type Run } from './helpers.js';

/**
 * Deploy commits signed with the OpenPGP key `slipway keygen` makes, judged by GnuPG itself through
 * `git verify-commit`: on the git path (Slipway writes the commit object) and on the GitHub path
 * (the local server writes the object from the request as GitHub documents it).
 */
const SOURCE_DATE_EPOCH = '1795132800';
const TOKEN = 'ghs_test0123456789';
const servers: FakeGitHub[] = [];
const keyrings: Keyring[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
  while (keyrings.length) keyrings.pop()!.remove();
  cleanUp();
});

let keys: { dir: string; secret: string; public: string; fingerprint: string };
afterAll(() => rmSync(keys.dir, { recursive: true, force: true }));
beforeAll(async () => {
  // Kept for the whole file (the helpers' folders go after each test).
  const dir = mkdtempSync(join(tmpdir(), 'slipway-commit-keys-'));
  const run = await runCli(['keygen', '--out', dir, '--commit-user-id', 'Deploy Bot <deploy@example.com>'], { cwd: dir });
  expect(run.exitCode, run.stderr).toBe(0);
  const fingerprint = /commit key fingerprint ([0-9A-F]{40})/.exec(run.stdout)![1]!;
  keys = { dir, secret: readFileSync(join(dir, 'slipway-commit.key.asc'), 'utf8'), public: readFileSync(join(dir, 'slipway-commit.pub.asc'), 'utf8'), fingerprint };
});

function keyring(): Keyring {
  const ring = keyringWith([keys.public]);
  keyrings.push(ring);
  return ring;
}

const identity = { GIT_AUTHOR_NAME: 'Deploy Bot', GIT_AUTHOR_EMAIL: 'deploy@example.com', SOURCE_DATE_EPOCH };
/** The armored secret key's base64 body: none of it may appear in anything publish prints or commits. */
const secretLines = () => keys.secret.split('\n').filter((line) => /^[A-Za-z0-9+/]{40,}/.test(line));
function leaksNothing(run: Run): void {
  for (const line of secretLines()) expect(`${run.stdout}${run.stderr}`).not.toContain(line);
}
/** Whether the deploy repository has a main branch at all (every refused publish here leaves none). */
const hasMain = (bare: string) => spawnSync('git', ['--git-dir', bare, 'rev-parse', '--verify', '--quiet', 'refs/heads/main']).status === 0;
const catCommit = (bare: string, commit: string) => execFileSync('git', ['--git-dir', bare, 'cat-file', 'commit', commit]).toString('utf8');

describeWithGpg('signed deploy commits, verified by GnuPG', () => {
  it('git path: `git verify-commit` passes with the public key, fails without it and on a changed commit', async () => {
    const root = signedSource();
    const bare = bareRepository({ CODEOWNERS: '* @platform\n' });
    const out = await build(root, bare);
    const run = await publishDirect({ out, to: bare, commitSigningKey: join(keys.dir, 'slipway-commit.key.asc') }, {}, identity);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain(`signed with OpenPGP key ${keys.fingerprint.slice(-16)} (Deploy Bot <deploy@example.com>)`);
    leaksNothing(run);
    const commit = head(bare);
    expect(validSignatureBy(keyring().verifyCommit(bare, commit))).toBe(keys.fingerprint);
    expect(catCommit(bare, commit)).toMatch(new RegExp(`^author Deploy Bot <deploy@example.com> ${SOURCE_DATE_EPOCH} \\+0000$`, 'm'));

    // A keyring without the key cannot vouch for it.
    const empty = keyringWith([]);
    keyrings.push(empty);
    expect(validSignatureBy(empty.verifyCommit(bare, commit))).toBeUndefined();
    // The same signature on a changed commit (another message) is a bad signature.
    const forged = execFileSync('git', ['--git-dir', bare, 'hash-object', '-t', 'commit', '-w', '--stdin'], { input: `${catCommit(bare, commit)} (edited)` }).toString().trim();
    const verdict = keyring().verifyCommit(bare, forged);
    expect(verdict.status).not.toBe(0);
    expect(verdict.stderr).toMatch(/BADSIG/);
  });

  it('git path: the key may come from SLIPWAY_COMMIT_SIGNING_KEY (the text) or SLIPWAY_COMMIT_SIGNING_KEY_FILE; the same build on the same head is the same commit', async () => {
    const root = signedSource();
    const out = await build(root);
    const commits: string[] = [];
    const sources: Array<Record<string, string>> = [{ SLIPWAY_COMMIT_SIGNING_KEY: keys.secret }, { SLIPWAY_COMMIT_SIGNING_KEY_FILE: join(keys.dir, 'slipway-commit.key.asc') }];
    for (const env of sources) {
      const bare = bareRepository();
      const run = await publishDirect({ out, to: bare }, {}, { ...identity, ...env });
      expect(run.exitCode, run.stderr).toBe(0);
      leaksNothing(run);
      expect(validSignatureBy(keyring().verifyCommit(bare, head(bare)))).toBe(keys.fingerprint);
      commits.push(head(bare));
    }
    // Ed25519 signatures are deterministic and openpgp.js adds no random salt: one build on one head, one commit id.
    expect(commits[0]).toBe(commits[1]);
  });

  it('git path: a commit time before the key existed (an old source commit) is signed at the key\'s creation and verifies', async () => {
    const root = signedSource();
    const bare = bareRepository();
    const run = await publishDirect({ out: await build(root), to: bare }, {}, { ...identity, SOURCE_DATE_EPOCH: '1700000000', SLIPWAY_COMMIT_SIGNING_KEY: keys.secret });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(catCommit(bare, head(bare))).toMatch(/^committer Deploy Bot <deploy@example.com> 1700000000 \+0000$/m);
    expect(validSignatureBy(keyring().verifyCommit(bare, head(bare)))).toBe(keys.fingerprint);
  });

  it('git path: without a key the commit is unsigned, and says so', async () => {
    const root = signedSource();
    const bare = bareRepository();
    const run = await publishDirect({ out: await build(root), to: bare }, {}, identity);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/the commit is not signed/);
    expect(catCommit(bare, head(bare))).not.toMatch(/^gpgsig /m);
    expect(keyring().verifyCommit(bare, head(bare)).status).not.toBe(0);
  });

  it('refuses to publish an output whose reconcilers verify commits unsigned (exit 2) or signed by a key they do not trust (exit 1)', async () => {
    const root = signedSource();
    writeFileSync(join(root, 'slipway.yaml'), 'deployRepo: github:acme/deploy\n');
    writeFileSync(join(root, 'keys', 'deploy.pub.asc'), keys.public);
    const out = await build(root);
    const bare = bareRepository();
    const unsigned = await publishDirect({ out, to: bare }, {}, identity);
    expect(unsigned.exitCode).toBe(2);
    expect(unsigned.stderr).toMatch(/verify deploy commits \(OpenPGP key [0-9A-F]{16}\), and no commit signing key was given: pass --commit-signing-key/);
    const other = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Other', email: 'other@example.com' }], format: 'armored' });
    const foreign = await publishDirect({ out, to: bare }, {}, { ...identity, SLIPWAY_COMMIT_SIGNING_KEY: other.privateKey });
    expect(foreign.exitCode).toBe(1);
    expect(foreign.stderr).toMatch(/is not one the output's reconcilers trust/);
    expect(hasMain(bare)).toBe(false);
    const signed = await publishDirect({ out, to: bare }, {}, { ...identity, SLIPWAY_COMMIT_SIGNING_KEY: keys.secret });
    expect(signed.exitCode, signed.stderr).toBe(0);
    expect(validSignatureBy(keyring().verifyCommit(bare, head(bare)))).toBe(keys.fingerprint);
  });

  it('GitHub path: the create-commit request carries the signature, and the commit GitHub writes from it verifies', async () => {
    const root = signedSource();
    const bare = bareRepository({ CODEOWNERS: '* @platform\n' });
    const server = await startFakeGitHub({ bare, owner: 'acme', repo: 'deploy', token: TOKEN });
    servers.push(server);
    const env = { ...identity, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.url, SLIPWAY_COMMIT_SIGNING_KEY: keys.secret };
    const run = await publishDirect({ out: await build(root, bare), to: 'github:acme/deploy' }, {}, env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(server.problems).toEqual([]);
    leaksNothing(run);
    const request = server.requests.find((r) => r.method === 'POST' && r.path.endsWith('/git/commits'))!.body as Record<string, unknown>;
    expect(request.signature).toMatch(/^-----BEGIN PGP SIGNATURE-----\n[\s\S]+-----END PGP SIGNATURE-----\n?$/);
    const date = new Date(Number(SOURCE_DATE_EPOCH) * 1000).toISOString().replace('.000Z', 'Z');
    expect(request.author).toEqual({ name: 'Deploy Bot', email: 'deploy@example.com', date });
    expect(request.committer).toEqual({ name: 'Deploy Bot', email: 'deploy@example.com', date });
    expect(run.stdout.trim()).toBe(head(bare));
    expect(validSignatureBy(keyring().verifyCommit(bare, head(bare)))).toBe(keys.fingerprint);
    // GitHub does not know the key until it is added to an account: publish says what to do.
    expect(run.stderr).toMatch(/unverified \(unknown_key\); add slipway-commit\.pub\.asc to the GPG keys/);
  });

  it('GitHub path: a commit GitHub wrote as other bytes than were signed is refused (exit 4) before the branch moves', async () => {
    const root = signedSource();
    const bare = bareRepository({ CODEOWNERS: '* @platform\n' });
    const before = head(bare);
    const server = await startFakeGitHub({ bare, owner: 'acme', repo: 'deploy', token: TOKEN, alterSignedMessages: true });
    servers.push(server);
    const env = { ...identity, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.url, SLIPWAY_COMMIT_SIGNING_KEY: keys.secret };
    const run = await publishDirect({ out: await build(root, bare), to: 'github:acme/deploy' }, {}, env);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/not as the signed object [0-9a-f]{40}: its signature would not verify, so nothing was published/);
    expect(head(bare)).toBe(before);
    expect(server.requests.some((r) => r.method === 'PATCH')).toBe(false);
  });
});

describeWithGpg('commit signing keys that cannot be used: a clear error, no stack, no key material', () => {
  const publishWith = async (options: { file?: string; env?: Record<string, string> }) => {
    const root = signedSource();
    const bare = bareRepository();
    const out = await build(root);
    const run = await publishDirect({ out, to: bare, ...(options.file ? { commitSigningKey: options.file } : {}) }, {}, { ...identity, ...options.env });
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // Nothing was committed: the key is read before the deploy repository is touched.
    expect(hasMain(bare)).toBe(false);
    return run;
  };

  it('refuses a missing file, a public key, garbage and a passphrase-protected key with exit 1', async () => {
    const dir = tempDir('slipway-bad-keys-');
    const garbage = join(dir, 'garbage.asc');
    writeFileSync(garbage, '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnot a key\n-----END PGP PRIVATE KEY BLOCK-----\n');
    const locked = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Locked', email: 'locked@example.com' }], passphrase: 'secret phrase', format: 'armored' });
    const lockedFile = join(dir, 'locked.asc');
    writeFileSync(lockedFile, locked.privateKey);
    const cases: Array<[string, { file?: string; env?: Record<string, string> }, RegExp]> = [
      ['missing file', { file: join(dir, 'nope.asc') }, /the commit signing key .*nope\.asc.* does not exist/],
      ['public key', { file: join(keys.dir, 'slipway-commit.pub.asc') }, /holds an OpenPGP public key; commits are signed with the secret key/],
      ['garbage', { file: garbage }, /is not an armored OpenPGP secret key/],
      ['garbage text', { env: { SLIPWAY_COMMIT_SIGNING_KEY: 'hello' } }, /SLIPWAY_COMMIT_SIGNING_KEY is not an armored OpenPGP secret key/],
      ['passphrase', { file: lockedFile }, /is protected by a passphrase/],
    ];
    for (const [label, options, message] of cases) {
      const run = await publishWith(options);
      expect(run.exitCode, label).toBe(1);
      expect(run.stderr, label).toMatch(message);
      leaksNothing(run);
      for (const line of locked.privateKey.split('\n').filter((l) => l.length > 40)) expect(run.stderr).not.toContain(line);
    }
  });

  it('refuses two key variables at once with exit 2', async () => {
    const run = await publishWith({ env: { SLIPWAY_COMMIT_SIGNING_KEY: keys.secret, SLIPWAY_COMMIT_SIGNING_KEY_FILE: join(keys.dir, 'slipway-commit.key.asc') } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/both set: set one/);
    leaksNothing(run);
  });
});
