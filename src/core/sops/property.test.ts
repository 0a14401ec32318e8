/** Properties of encryptSopsYaml, determinism, and Go's number/bool text forms. */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Decrypter, armor, generateIdentity, identityToRecipient } from 'age-encryption';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { addOrReplaceSopsValues, decryptSopsYaml, encryptSopsYaml, readSopsMetadata, SOPS_VERSION } from './index.js';
import { formatGoFloat, parseGoBool, parseGoFloat, parseGoInt } from './values.js';

let identity: string, recipient: string;
beforeAll(async () => {
  identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
});
afterEach(() => vi.restoreAllMocks());

/** A deterministic byte stream: SHA-256 in counter mode over a seed. */
function seeded(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n: number) => {
    while (pool.length < n) {
      pool = Buffer.concat([pool, createHash('sha256').update(`${seed}:${counter++}`).digest()]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return new Uint8Array(out);
  };
}

const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,30}$/).filter((n) => !n.endsWith('_unencrypted'));
const value = fc
  .oneof(fc.string({ unit: 'binary', minLength: 8, maxLength: 60 }), fc.stringMatching(/^[ -~]{8,60}$/))
  .filter((v) => v.trim().length > 0);

describe('encryptSopsYaml properties', () => {
  it('round-trips any names and unicode values, keys sorted, no plaintext in the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(name, value, { minKeys: 1, maxKeys: 6 }), async (values) => {
        const text = await encryptSopsYaml(values, { recipients: [recipient], lastModified: new Date() });
        expect(await decryptSopsYaml(text, [identity])).toStrictEqual({ ...values });
        const names = readSopsMetadata(text).names;
        expect(names).toEqual(Object.keys(values).sort());
        for (const v of Object.values(values)) expect(text.includes(v)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('writes the sops 3.9 layout: metadata fields in order, sops last, one final newline', async () => {
    const lastModified = new Date('2025-03-04T05:06:07.999Z');
    const text = await encryptSopsYaml({ B: 'two-two-two', A: 'one-one-one' }, { recipients: [recipient], lastModified });
    const doc = parseDocument(text).toJS() as Record<string, Record<string, unknown>>;
    expect(Object.keys(doc)).toEqual(['A', 'B', 'sops']);
    expect(Object.keys(doc['sops'] ?? {})).toEqual([
      'kms',
      'gcp_kms',
      'azure_kv',
      'hc_vault',
      'age',
      'lastmodified',
      'mac',
      'pgp',
      'unencrypted_suffix',
      'version',
    ]);
    expect(doc['sops']).toMatchObject({
      kms: [],
      pgp: [],
      lastmodified: '2025-03-04T05:06:07Z', // UTC, whole seconds, as time.Format(RFC3339)
      unencrypted_suffix: '_unencrypted',
      version: SOPS_VERSION,
    });
    expect(text).toContain('\n    lastmodified: "2025-03-04T05:06:07Z"\n');
    expect(text).toMatch(/^A: ENC\[AES256_GCM,data:[^,]+,iv:[A-Za-z0-9+/]{43}=,tag:[A-Za-z0-9+/]{22}==,type:str\]$/m);
    expect(text.endsWith('version: 3.9.4\n')).toBe(true);
  });
});

describe('determinism', () => {
  /** age-encryption draws its file key, ephemeral share and nonce from crypto.getRandomValues. */
  function pinAgeRandomness(seed: string): void {
    const next = seeded(`age:${seed}`);
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(a: T): T => {
      if (a) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(next(a.byteLength));
      return a;
    });
  }

  async function encryptWith(seed: string): Promise<string> {
    pinAgeRandomness(seed);
    const text = await encryptSopsYaml(
      { ONE: 'first secret value', TWO: 'second secret value', EMPTY: '' },
      { recipients: [recipient], lastModified: new Date('2025-01-01T00:00:00Z'), randomBytes: seeded(seed) },
    );
    vi.restoreAllMocks();
    return text;
  }

  it('same randomness and lastModified: the same bytes twice', async () => {
    const a = await encryptWith('seed-1');
    const b = await encryptWith('seed-1');
    expect(b).toBe(a);
    expect(await decryptSopsYaml(a, [identity])).toStrictEqual({
      EMPTY: '',
      ONE: 'first secret value',
      TWO: 'second secret value',
    });
    const c = await encryptWith('seed-2');
    expect(c).not.toBe(a);
  });

  it('randomness comes from the injected source: data key, then one IV per value, then the MAC IV', async () => {
    const sizes: number[] = [];
    const source = seeded('sizes');
    await encryptSopsYaml(
      { A: 'aaaaaaaa', B: '', C: 'cccccccc' },
      { recipients: [recipient], lastModified: new Date(0), randomBytes: (n) => (sizes.push(n), source(n)) },
    );
    expect(sizes).toEqual([32, 32, 32, 32]); // key, A, C (B is empty: not encrypted), MAC
  });
});

describe("Go's text forms (sops ToBytes / strconv)", () => {
  it('formats floats as FormatFloat(f, \'f\', -1, 64)', () => {
    const cases: [number, string][] = [
      [3.14, '3.14'],
      [7, '7'],
      [-0, '-0'],
      [1e21, '1000000000000000000000'],
      [1.5e-7, '0.00000015'],
      [-2.5e25, '-25000000000000000000000000'],
      [0.1 + 0.2, '0.30000000000000004'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
      [NaN, 'NaN'],
    ];
    for (const [n, s] of cases) expect(formatGoFloat(n)).toBe(s);
  });

  it('parses ints, floats and bools as strconv does', () => {
    expect(parseGoInt('007')).toBe(7n);
    expect(parseGoInt('+12')).toBe(12n);
    expect(parseGoInt('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseGoInt('9223372036854775808')).toBeNull();
    expect(parseGoInt(' 1')).toBeNull();
    expect(parseGoFloat('1e3')).toBe(1000);
    expect(parseGoFloat('-Inf')).toBe(-Infinity);
    expect(parseGoFloat('1e400')).toBeNull();
    expect(parseGoBool('True')).toBe(true);
    expect(parseGoBool('F')).toBe(false);
    expect(parseGoBool('yes')).toBeNull();
  });
});

describe('unencrypted_suffix leaves', () => {
  it('stay in clear, typed, and enter the MAC as Go prints them', async () => {
    const lastModified = '2025-01-01T00:00:00Z';
    const base = await encryptSopsYaml({ A: 'aaaaaaaa' }, { recipients: [recipient], lastModified: new Date(lastModified) });
    const d = new Decrypter();
    d.addIdentity(identity);
    const enc = parseDocument(base).getIn(['sops', 'age', 0, 'enc']) as string;
    const key = Buffer.from(await d.decrypt(armor.decode(enc)));
    // sops.go ToBytes: int 42 -> "42", float 1.50 -> "1.5", bool -> "True", strings as they are.
    const mac = createHash('sha512');
    for (const part of ['aaaaaaaa', '42', '1.5', 'True', 'plain text']) mac.update(part);
    const iv = randomBytes(32);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(lastModified));
    const data = Buffer.concat([c.update(mac.digest('hex').toUpperCase()), c.final()]);
    const sealed = `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:str]`;
    const extra = 'N_unencrypted: 42\nF_unencrypted: 1.50\nB_unencrypted: true\nS_unencrypted: plain text\n';
    const text = base.replace(/^sops:/m, `${extra}sops:`).replace(/mac: ENC\[[^\]]*\]/, `mac: ${sealed}`);
    const want = { A: 'aaaaaaaa', N_unencrypted: 42, F_unencrypted: 1.5, B_unencrypted: true, S_unencrypted: 'plain text' };
    expect(await decryptSopsYaml(text, [identity])).toStrictEqual(want);
    await expect(decryptSopsYaml(text.replace('N_unencrypted: 42', 'N_unencrypted: 43'), [identity])).rejects.toThrow(
      /^MAC mismatch/,
    );
    const edited = await addOrReplaceSopsValues(text, [identity], { B: 'bbbbbbbb' }, { lastModified: new Date() });
    expect(await decryptSopsYaml(edited, [identity])).toStrictEqual({ ...want, B: 'bbbbbbbb' });
    expect(edited).toContain('\nN_unencrypted: 42\n');
  });
});
