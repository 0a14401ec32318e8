/**
 * Files we encrypt, checked by others: sops-age (an independent TypeScript sops decryptor, which
 * does not check the MAC), Debian's `age` CLI on each recipient's `enc` block, and a MAC check
 * written here from the sops source without the module's code.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, armor, generateIdentity, identityToRecipient } from 'age-encryption';
import { decryptSops } from 'sops-age';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithTool, runTool, toolPresent } from '../../../test/support/tools.js';
import { IntegrityError, UserError } from '../errors.js';
import { decryptSopsYaml, encryptSopsYaml } from './index.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/sops');
const VALUES: Record<string, string> = {
  DATABASE_URL: 'postgres://app:s3cr3t-pässwörd@db:5432/app',
  API_TOKEN: 'tok_0123456789abcdef',
  MULTILINE_PEM: '-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----\n',
  UNICODE: 'héllo wörld 😀 ✓ \u0000 tab\tend',
  '0LEADING_DIGIT': 'digit-led name value',
  EMPTY: '',
};
const LAST_MODIFIED = new Date('2025-06-01T12:34:56.789Z');

let idA: string, idB: string, idC: string;
let recA: string, recB: string;
let text: string;

beforeAll(async () => {
  [idA, idB, idC] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
  [recA, recB] = await Promise.all([identityToRecipient(idA), identityToRecipient(idB)]);
  text = await encryptSopsYaml(VALUES, { recipients: [recA, recB], lastModified: LAST_MODIFIED });
});

// ---- an independent reading of the format, from sops.go / aes/cipher.go, sharing no code ----

interface RawLeaf {
  aad: string;
  enc: string;
}

/** Leaves in sops walk order: map keys extend the path, list items keep it; `sops` skipped. */
function rawLeaves(file: string): RawLeaf[] {
  const out: RawLeaf[] = [];
  const walk = (v: unknown, path: string[]): void => {
    if (v instanceof Map) for (const [k, x] of v) walk(x, [...path, String(k)]);
    else if (Array.isArray(v)) for (const x of v) walk(x, path);
    else if (typeof v === 'string') out.push({ aad: `${path.join(':')}:`, enc: v });
  };
  const root = parseDocument(file).toJS({ mapAsMap: true }) as Map<string, unknown>;
  for (const [k, v] of root) if (k !== 'sops') walk(v, [k]);
  return out;
}

function gcmOpen(enc: string, key: Buffer, aad: string): Buffer {
  if (enc === '') return Buffer.alloc(0);
  const m = /^ENC\[AES256_GCM,data:(.*),iv:(.+),tag:(.+),type:(.+)\]$/.exec(enc);
  if (!m) throw new Error('not an ENC value');
  const iv = Buffer.from(m[2] as string, 'base64');
  const tag = Buffer.from(m[3] as string, 'base64');
  expect(iv.length).toBe(32);
  expect(tag.length).toBe(16);
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(tag);
  return Buffer.concat([d.update(Buffer.from(m[1] as string, 'base64')), d.final()]);
}

/** Recompute the MAC from the decrypted leaves and compare with the stored one. */
function independentMacCheck(file: string, dataKey: Buffer): void {
  const meta = (parseDocument(file).toJS() as { sops: { mac: string; lastmodified: string } }).sops;
  const hash = createHash('sha512');
  for (const leaf of rawLeaves(file)) hash.update(gcmOpen(leaf.enc, dataKey, leaf.aad));
  const stored = gcmOpen(meta.mac, dataKey, meta.lastmodified).toString('utf8');
  expect(stored).toMatch(/^[0-9A-F]{128}$/);
  expect(stored).toBe(hash.digest('hex').toUpperCase());
}

async function dataKeyVia(identity: string, file: string, index: number): Promise<Buffer> {
  const age = (parseDocument(file).toJS() as { sops: { age: { enc: string }[] } }).sops.age;
  const d = new Decrypter();
  d.addIdentity(identity);
  return Buffer.from(await d.decrypt(armor.decode(age[index]?.enc ?? '')));
}

describe('the independent MAC check', () => {
  it('agrees with real sops output (so it reads the format right)', async () => {
    const fixture = readFileSync(join(FIXTURES, 'secret.enc.yaml'), 'utf8');
    const key = readFileSync(join(FIXTURES, 'key.txt'), 'utf8').trim().split('\n').at(-1) ?? '';
    independentMacCheck(fixture, await dataKeyVia(key, fixture, 0));
  });

  it('accepts our file, and every recipient gets the same data key', async () => {
    const keyA = await dataKeyVia(idA, text, 0);
    const keyB = await dataKeyVia(idB, text, 1);
    expect(keyA.length).toBe(32);
    expect(keyB).toEqual(keyA);
    independentMacCheck(text, keyA);
    const leaves = rawLeaves(text);
    expect(leaves.map((l) => l.aad)).toEqual(Object.keys(VALUES).sort().map((k) => `${k}:`));
    for (const leaf of leaves) {
      const name = leaf.aad.slice(0, -1);
      expect(gcmOpen(leaf.enc, keyA, leaf.aad).toString('utf8')).toBe(VALUES[name]);
    }
  });

  it('altering any value\'s ciphertext makes decryption fail', async () => {
    for (const leaf of rawLeaves(text).filter((l) => l.enc !== '')) {
      const data = /data:([^,]+)/.exec(leaf.enc)?.[1] ?? '';
      const flipped = (data[0] === 'A' ? 'B' : 'A') + data.slice(1);
      const altered = text.replace(leaf.enc, leaf.enc.replace(`data:${data}`, `data:${flipped}`));
      expect(altered).not.toBe(text);
      await expect(decryptSopsYaml(altered, [idA])).rejects.toBeInstanceOf(IntegrityError);
    }
  });
});

describe('sops-age (third-party decryptor)', () => {
  it('decrypts our file with each recipient\'s identity', async () => {
    for (const secretKey of [idA, idB]) {
      expect(await decryptSops(text, { secretKey, fileType: 'yaml' })).toEqual(VALUES);
    }
  });

  it('agrees with our decryptor', async () => {
    expect(await decryptSopsYaml(text, [idB])).toStrictEqual(VALUES);
  });
});

describe('recipients only', () => {
  it('a third identity cannot decrypt', async () => {
    const err = await decryptSopsYaml(text, [idC]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err).not.toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toContain(recA);
    await expect(decryptSops(text, { secretKey: idC, fileType: 'yaml' })).rejects.toThrow();
  });
});

// ---- Debian's age CLI ----

describeWithTool('age', toolPresent('age'))('age CLI', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'slipway-sops-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('`age -d -i KEY` turns each enc block into the 32-byte data key', async () => {
    const age = (parseDocument(text).toJS() as { sops: { age: { recipient: string; enc: string }[] } }).sops.age;
    expect(age.map((e) => e.recipient)).toEqual([recA, recB]);
    const keys: Buffer[] = [];
    for (const [i, identity] of [idA, idB].entries()) {
      const keyFile = join(tmp, `key${i}.txt`);
      const encFile = join(tmp, `enc${i}.age`);
      const keyOut = join(tmp, `data-key${i}.bin`);
      writeFileSync(keyFile, `${identity}\n`, { mode: 0o600 });
      writeFileSync(encFile, age[i]?.enc ?? '');
      const run = runTool('age', ['-d', '-i', keyFile, '-o', keyOut, encFile]);
      expect(run.stderr, 'age -d stderr').toBe('');
      expect(run.status).toBe(0);
      const key = readFileSync(keyOut);
      expect(key.length).toBe(32);
      keys.push(key);
    }
    expect(keys[1]).toEqual(keys[0]);
    independentMacCheck(text, keys[0] as Buffer);
    // The other recipient's block does not open with this identity.
    const wrong = runTool('age', ['-d', '-i', join(tmp, 'key0.txt'), join(tmp, 'enc1.age')]);
    expect(wrong.status).not.toBe(0);
  });
});
