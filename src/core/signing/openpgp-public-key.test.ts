import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithGpg, keyringWith, type Keyring } from '../../../test/support/gnupg.js';
import { runTool } from '../../../test/support/tools.js';
import { repositoryRoot } from '../../../test/support/tree.js';
import { generateCommitKey, parseUserId, readCommitSigningKey, type CommitKeyPair } from './openpgp.js';
import { readOpenPgpPublicKey } from './openpgp-public-key.js';

/**
 * The load stage identifies `keys/*.pub.asc` with its own reader of the armor and packet framing:
 * held here to what openpgp.js and GnuPG read from the same keys, including keys GnuPG made
 * (old-format packet headers, armor headers) and the example's own key.
 */
let key: CommitKeyPair;
beforeAll(async () => {
  key = await generateCommitKey({ name: 'Slipway deploy', email: 'deploy@example.com' }, new Date(Date.UTC(2026, 10, 20)));
});

describe('readOpenPgpPublicKey', () => {
  it('reads the fingerprint, key id and user ids openpgp.js reads', async () => {
    const read = readOpenPgpPublicKey(key.publicKeyArmored);
    const reference = await openpgp.readKey({ armoredKey: key.publicKeyArmored });
    expect(read.fingerprint).toBe(reference.getFingerprint().toUpperCase());
    expect(read.keyId).toBe(reference.getKeyID().toHex().toUpperCase());
    expect(read.userIds).toEqual(reference.getUserIDs());
    expect(read.algorithm).toBe('EdDSA (Ed25519)');
    expect(read).toMatchObject({ fingerprint: key.fingerprint, keyId: key.keyId });
  });

  it('refuses secret keys, changed armor and anything else, without echoing key material', () => {
    const refusals: Array<[string, RegExp]> = [
      [key.secretKeyArmored, /SECRET key/],
      [key.publicKeyArmored.replace(/^(x[A-Za-z0-9+/]{4})[A-Za-z0-9+/]/m, (_, head: string) => `${head}${head.endsWith('A') ? 'B' : 'A'}`), /checksum|packet/],
      [`${key.publicKeyArmored}${key.publicKeyArmored}`, /exactly one/],
      ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI deploy@example.com\n', /exactly one/],
      ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n', /no OpenPGP packets|public key packet|middle of a packet/],
    ];
    for (const [text, message] of refusals) {
      let error: Error | undefined;
      try {
        readOpenPgpPublicKey(text);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error?.message, text.slice(0, 60)).toMatch(message);
      for (const line of key.secretKeyArmored.split('\n').filter((l) => l.length > 40)) expect(error!.message).not.toContain(line);
    }
  });
});

describe('commit keys and signatures (openpgp.js)', () => {
  it('signs deterministically, dated no earlier than the key, and openpgp.js verifies it', async () => {
    const signer = await readCommitSigningKey(key.secretKeyArmored, 'test');
    const payload = new TextEncoder().encode('tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage');
    const early = await signer.sign(payload, new Date(Date.UTC(2020, 0, 1)));
    expect(await signer.sign(payload, new Date(Date.UTC(2020, 0, 1)))).toBe(early);
    const verified = await openpgp.verify({
      message: await openpgp.createMessage({ binary: payload }),
      signature: await openpgp.readSignature({ armoredSignature: early }),
      verificationKeys: await openpgp.readKey({ armoredKey: key.publicKeyArmored }),
      expectSigned: true,
    });
    expect(verified.signatures[0]!.keyID.toHex().toUpperCase()).toBe(key.keyId);
    expect((await verified.signatures[0]!.signature).packets[0]!.created!.getTime()).toBe(Date.UTC(2026, 10, 20));
  });

  it('parses user ids as "Name <email>" and refuses anything else', () => {
    expect(parseUserId('Slipway deploy <deploy@example.com>')).toEqual({ name: 'Slipway deploy', email: 'deploy@example.com' });
    for (const bad of ['deploy@example.com', '<deploy@example.com>', 'A <b>', 'A <b@c> extra', 'A\n<b@c>']) expect(() => parseUserId(bad), bad).toThrow(/not a user id/);
  });
});

describeWithGpg('readOpenPgpPublicKey against GnuPG', () => {
  let keyring: Keyring;
  beforeAll(() => {
    keyring = keyringWith([]);
  });
  afterAll(() => keyring?.remove());

  it('agrees with gpg on a key openpgp.js made and on the example key', () => {
    for (const armored of [key.publicKeyArmored, readFileSync(join(repositoryRoot, 'keys', 'harbor-commit.pub.asc'), 'utf8')]) {
      const gpg = keyring.showKey(armored);
      const read = readOpenPgpPublicKey(armored);
      expect(read.fingerprint).toBe(gpg.fingerprint);
      expect(read.keyId).toBe(gpg.keyId);
      expect(read.userIds).toEqual(gpg.userIds);
    }
  });

  it('agrees with gpg on a key GnuPG made itself (old-format packets, armor headers, an encryption subkey)', () => {
    const env = { ...process.env, GNUPGHOME: keyring.home };
    const made = runTool('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Made By GnuPG <gnupg@example.com>', 'ed25519', 'sign,cert', 'never'], { env });
    expect(made.status, made.stderr).toBe(0);
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(runTool('gpg', ['--batch', '--with-colons', '--list-keys', 'gnupg@example.com'], { env }).stdout)![1]!;
    expect(runTool('gpg', ['--batch', '--passphrase', '', '--quick-add-key', fingerprint, 'cv25519', 'encr', 'never'], { env }).status).toBe(0);
    const exported = runTool('gpg', ['--batch', '--armor', '--comment', 'exported for a test', '--export', fingerprint], { env }).stdout;
    expect(exported).toMatch(/^Comment: exported for a test$/m);
    const read = readOpenPgpPublicKey(exported);
    expect(read.fingerprint).toBe(fingerprint);
    expect(read.keyId).toBe(fingerprint.slice(-16));
    expect(read.userIds).toEqual(['Made By GnuPG <gnupg@example.com>']);
    const secret = runTool('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', fingerprint], { env }).stdout;
    expect(secret).toMatch(/BEGIN PGP PRIVATE KEY BLOCK/);
    expect(() => readOpenPgpPublicKey(secret)).toThrow(/SECRET key/);
  });
});
