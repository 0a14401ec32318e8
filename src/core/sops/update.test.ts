/** addOrReplaceSopsValues: sops edit semantics, checked against sops-age and the real fixture. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { decryptSops } from 'sops-age';
import { parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { addOrReplaceSopsValues, decryptSopsYaml, encryptSopsYaml, readSopsMetadata } from './index.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/sops');
const T0 = new Date('2025-01-01T00:00:00Z');
const T1 = new Date('2025-02-02T02:02:02Z');

let idA: string, idB: string, recA: string, recB: string, base: string;

/** The top-level scalars and the metadata of a file, as plain data. */
function entries(text: string): Record<string, unknown> {
  return parseDocument(text).toJS() as Record<string, unknown>;
}
function sopsMeta(text: string): { age: { recipient: string; enc: string }[]; mac: string; lastmodified: string } {
  return entries(text)['sops'] as ReturnType<typeof sopsMeta>;
}

beforeAll(async () => {
  [idA, idB] = await Promise.all([generateIdentity(), generateIdentity()]);
  [recA, recB] = await Promise.all([identityToRecipient(idA), identityToRecipient(idB)]);
  base = await encryptSopsYaml({ ALPHA: 'alpha-value-1', CHARLIE: 'charlie-value-3' }, { recipients: [recA], lastModified: T0 });
});

describe('addOrReplaceSopsValues', () => {
  it('adds a name in sorted place, keeps the data key, the age block and untouched ciphertexts', async () => {
    const out = await addOrReplaceSopsValues(base, [idA], { BRAVO: 'bravo-value-2' }, { lastModified: T1 });
    expect(readSopsMetadata(out).names).toEqual(['ALPHA', 'BRAVO', 'CHARLIE']);
    expect(entries(out)['ALPHA']).toBe(entries(base)['ALPHA']);
    expect(entries(out)['CHARLIE']).toBe(entries(base)['CHARLIE']);
    expect(sopsMeta(out).age).toEqual(sopsMeta(base).age);
    expect(sopsMeta(out).lastmodified).toBe('2025-02-02T02:02:02Z');
    expect(sopsMeta(out).mac).not.toBe(sopsMeta(base).mac);
    const want = { ALPHA: 'alpha-value-1', BRAVO: 'bravo-value-2', CHARLIE: 'charlie-value-3' };
    expect(await decryptSopsYaml(out, [idA])).toStrictEqual(want);
    expect(await decryptSops(out, { secretKey: idA, fileType: 'yaml' })).toEqual(want);
  });

  it('replaces a value with a fresh ciphertext', async () => {
    const out = await addOrReplaceSopsValues(base, [idA], { ALPHA: 'rotated-alpha' }, { lastModified: T1 });
    expect(entries(out)['ALPHA']).not.toBe(entries(base)['ALPHA']);
    expect(entries(out)['CHARLIE']).toBe(entries(base)['CHARLIE']);
    expect(await decryptSopsYaml(out, [idA])).toStrictEqual({ ALPHA: 'rotated-alpha', CHARLIE: 'charlie-value-3' });
  });

  it('returns the text unchanged when nothing changes', async () => {
    const same = await addOrReplaceSopsValues(base, [idA], { ALPHA: 'alpha-value-1' }, { lastModified: T1, recipients: [recA] });
    expect(same).toBe(base);
  });

  it('a new recipient set replaces the data key; the dropped recipient is locked out', async () => {
    const out = await addOrReplaceSopsValues(base, [idA], {}, { lastModified: T1, recipients: [recB] });
    expect(readSopsMetadata(out).recipients).toEqual([recB]);
    expect(entries(out)['ALPHA']).not.toBe(entries(base)['ALPHA']);
    expect(await decryptSopsYaml(out, [idB])).toStrictEqual({ ALPHA: 'alpha-value-1', CHARLIE: 'charlie-value-3' });
    await expect(decryptSopsYaml(out, [idA])).rejects.toBeInstanceOf(UserError);
    expect(await decryptSops(out, { secretKey: idB, fileType: 'yaml' })).toEqual({
      ALPHA: 'alpha-value-1',
      CHARLIE: 'charlie-value-3',
    });
  });

  it('adding a recipient: both can open, values kept', async () => {
    const out = await addOrReplaceSopsValues(base, [idA], { DELTA: 'delta-value-4' }, { lastModified: T1, recipients: [recA, recB] });
    expect(readSopsMetadata(out).recipients).toEqual([recA, recB]);
    for (const id of [idA, idB]) {
      expect(await decryptSopsYaml(out, [id])).toStrictEqual({
        ALPHA: 'alpha-value-1',
        CHARLIE: 'charlie-value-3',
        DELTA: 'delta-value-4',
      });
    }
  });

  it('edits a file made by sops: nested data and typed values survive, MAC recomputed', async () => {
    const fixture = readFileSync(join(FIXTURES, 'secret.enc.yaml'), 'utf8');
    const key = readFileSync(join(FIXTURES, 'key.txt'), 'utf8');
    const out = await addOrReplaceSopsValues(fixture, [key], { added: 'a new value here' }, { lastModified: T1 });
    const before = await decryptSopsYaml(fixture, [key]);
    expect(await decryptSopsYaml(out, [key])).toStrictEqual({ ...before, added: 'a new value here' });
    expect(readSopsMetadata(out).names.at(-1)).toBe('added'); // not sorted before: appended
    expect(sopsMeta(out).age).toEqual(sopsMeta(fixture).age); // the other two recipients keep access
    expect(await decryptSops(out, { secretKey: key.trim().split('\n').at(-1) ?? '', fileType: 'yaml' })).toEqual({
      ...before,
      added: 'a new value here',
    });
  });

  it('refuses reserved names, names sops would leave in clear, and invalid text', async () => {
    const opts = { lastModified: T1 };
    await expect(addOrReplaceSopsValues(base, [idA], { sops: 'x-value-here' }, opts)).rejects.toBeInstanceOf(UserError);
    await expect(addOrReplaceSopsValues(base, [idA], { X_unencrypted: 'x-value-here' }, opts)).rejects.toThrow(
      /stored unencrypted/,
    );
    const err = await addOrReplaceSopsValues(base, [idA], { BAD: 'lone \uD800 surrogate' }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('lone');
  });

  it('needs an identity that opens the file', async () => {
    await expect(addOrReplaceSopsValues(base, [idB], { X: 'y-value-here' }, { lastModified: T1 })).rejects.toBeInstanceOf(
      UserError,
    );
  });
});

describe('encryptSopsYaml arguments', () => {
  it('refuses bad recipients and de-duplicates repeated ones', async () => {
    const lastModified = T0;
    await expect(encryptSopsYaml({ A: 'b' }, { recipients: [], lastModified })).rejects.toBeInstanceOf(UserError);
    await expect(encryptSopsYaml({ A: 'b' }, { recipients: ['age1notakey'], lastModified })).rejects.toBeInstanceOf(UserError);
    const broken = `${recA.slice(0, -1)}${recA.endsWith('q') ? 'p' : 'q'}`; // checksum broken
    await expect(encryptSopsYaml({ A: 'b' }, { recipients: [broken], lastModified })).rejects.toThrow(/checksum/);
    const asRecipient = await encryptSopsYaml({ A: 'b' }, { recipients: [idA], lastModified }).catch((e: unknown) => e);
    expect(asRecipient).toBeInstanceOf(UserError);
    expect((asRecipient as Error).message).not.toContain(idA.slice(16));
    const out = await encryptSopsYaml({ A: 'b' }, { recipients: [recA, ` ${recA} `, recB], lastModified });
    expect(readSopsMetadata(out).recipients).toEqual([recA, recB]);
  });
});
