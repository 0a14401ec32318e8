import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { AGE_IDENTITY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE, writeKeyPair } from './keygen.js';
import { keyId, parsePrivateKeyPem, parsePublicKeyPem, publicKeyOf } from '../core/signing/keys.js';

const base = mkdtempSync(join(tmpdir(), 'slipway-keygen-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('writeKeyPair', () => {
  it('writes the signing key pair and an age identity, private files 0600', async () => {
    const dir = join(base, 'new', 'nested');
    const result = await writeKeyPair(dir);
    expect(readdirSync(dir).sort()).toEqual([AGE_IDENTITY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE].sort());
    expect(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, AGE_IDENTITY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, SIGNING_PUBLIC_KEY_FILE)).mode & 0o777).toBe(0o644);

    const seed = parsePrivateKeyPem(readFileSync(join(dir, SIGNING_KEY_FILE), 'utf8'));
    const pub = parsePublicKeyPem(readFileSync(join(dir, SIGNING_PUBLIC_KEY_FILE), 'utf8'));
    expect(Buffer.from(publicKeyOf(seed)).equals(Buffer.from(pub))).toBe(true);
    expect(result.keyId).toBe(keyId(pub));

    const [comment, identity, rest] = readFileSync(join(dir, AGE_IDENTITY_FILE), 'utf8').split('\n');
    expect(comment).toBe(`# public key: ${result.ageRecipient}`);
    expect(identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(rest).toBe('');
    // The identity opens what is encrypted to the recipient.
    const e = new Encrypter();
    e.addRecipient(result.ageRecipient);
    const d = new Decrypter();
    d.addIdentity(identity!);
    expect(await d.decrypt(await e.encrypt('hello'), 'text')).toBe('hello');
  });

  it('refuses to overwrite any existing file, and writes nothing then', async () => {
    const dir = join(base, 'existing');
    mkdirSync(dir);
    writeFileSync(join(dir, SIGNING_PUBLIC_KEY_FILE), 'keep me');
    await expect(writeKeyPair(dir)).rejects.toBeInstanceOf(UserError);
    await expect(writeKeyPair(dir)).rejects.toThrow(/refusing to overwrite/);
    expect(readFileSync(join(dir, SIGNING_PUBLIC_KEY_FILE), 'utf8')).toBe('keep me');
    expect(existsSync(join(dir, SIGNING_KEY_FILE))).toBe(false);
    expect(existsSync(join(dir, AGE_IDENTITY_FILE))).toBe(false);

    const again = join(base, 'twice');
    const first = await writeKeyPair(again);
    await expect(writeKeyPair(again)).rejects.toThrow(/refusing to overwrite/);
    expect(parsePublicKeyPem(readFileSync(join(again, SIGNING_PUBLIC_KEY_FILE), 'utf8'))).toBeDefined();
    expect(keyId(parsePublicKeyPem(readFileSync(join(again, SIGNING_PUBLIC_KEY_FILE), 'utf8')))).toBe(first.keyId);
  });
});
