import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BugError, IntegrityError } from '../core/errors.js';
import { generateSigningKey, parsePrivateKeyPem, publicKeyOf } from '../core/signing/keys.js';
import { canonicalJson, comparePaths, manifestBytes, manifestFiles, parseManifest, type ReleaseManifest } from './manifest.js';
import { signRelease } from './release.js';
import { parseSignatureFile, verifyBytes } from '../core/signing/signature.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const utf8 = (s: string) => new TextEncoder().encode(s);
const H = (c: string) => c.repeat(64);

function sample(overrides: Partial<ReleaseManifest> = {}): ReleaseManifest {
  return {
    apiVersion: 'slipway.dev/v1',
    kind: 'ReleaseManifest',
    environment: 'eu-prod',
    release: '2026.11.0',
    mode: 'saas',
    provider: 'aws',
    runtime: 'kubernetes',
    sequence: 3,
    previous: null,
    source: {},
    files: [],
    ...overrides,
  };
}

describe('RFC 8785 known answers (canonicalize)', () => {
  it('RFC 8785 §3.2.2: literals, numbers, string escapes, key order', () => {
    const input =
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
      ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
      ' "literals": [null, true, false]}';
    expect(text(canonicalJson(JSON.parse(input)))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('RFC 8785 §3.2.3: property sorting by UTF-16 code units', () => {
    const input =
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",' +
      ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",' +
      ' "\\u00f6": "Latin Small Letter O With Diaeresis"}';
    const out = text(canonicalJson(JSON.parse(input)));
    expect(out).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\u{1F600}":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // The UTF-8 bytes of the first keys, as RFC 8785 lists them.
    expect(Buffer.from(canonicalJson(JSON.parse(input))).subarray(0, 8).toString('hex')).toBe('7b225c72223a2243');
  });

  it('RFC 8785 Appendix B: IEEE 754 number serialisation', () => {
    const vectors: Array<[string, string]> = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['41b3de4355555553', '333333333.3333332'],
      ['444b1ae4d6e2ef50', '1e+21'],
    ];
    for (const [hex, expected] of vectors) {
      const n = Buffer.from(hex, 'hex').readDoubleBE(0);
      expect(text(canonicalJson(n)), hex).toBe(expected);
    }
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(Number.POSITIVE_INFINITY)).toThrow();
  });
});

describe('manifestBytes', () => {
  it('is canonical JSON with no trailing newline, keys sorted, unicode kept raw', () => {
    const m = sample({
      previous: H('a'),
      source: { commit: 'b'.repeat(40) },
      files: [{ path: 'compose/docker-compose.yml', sha256: H('c'), size: 12 }, { path: 'données/é.txt', sha256: H('d'), size: 0 }],
    });
    expect(text(manifestBytes(m))).toBe(
      '{"apiVersion":"slipway.dev/v1","environment":"eu-prod","files":[' +
        `{"path":"compose/docker-compose.yml","sha256":"${H('c')}","size":12},` +
        `{"path":"données/é.txt","sha256":"${H('d')}","size":0}],` +
        `"kind":"ReleaseManifest","mode":"saas","previous":"${H('a')}","provider":"aws","release":"2026.11.0",` +
        `"runtime":"kubernetes","sequence":3,"source":{"commit":"${'b'.repeat(40)}"}}`,
    );
  });

  it('drops unknown fields and an undefined commit, and refuses invalid manifests', () => {
    const withExtra = { ...sample(), extra: 1, source: { commit: undefined } } as unknown as ReleaseManifest;
    expect(text(manifestBytes(withExtra))).toBe(text(manifestBytes(sample())));
    expect(text(manifestBytes(sample()))).toContain('"source":{}');
    expect(() => manifestBytes(sample({ environment: 'Bad Name' }))).toThrow(BugError);
    expect(() => manifestBytes(sample({ sequence: 1.5 }))).toThrow(BugError);
    const unsorted = [{ path: 'b', sha256: H('0'), size: 1 }, { path: 'a', sha256: H('0'), size: 1 }];
    expect(() => manifestBytes(sample({ files: unsorted }))).toThrow(/out of order/);
  });
});

describe('manifestFiles', () => {
  it('hashes, sizes, excludes the release files and sorts by code point (not UTF-16)', () => {
    const files = new Map<string, Uint8Array>([
      ['\u{1F600}.txt', utf8('x')],
      ['\uff61.txt', utf8('')],
      ['release.json', utf8('{}')],
      ['release.json.sig', utf8('sig')],
      ['sub/release.json', utf8('abc')],
      ['B', utf8('abc')],
    ]);
    const list = manifestFiles(files);
    expect(list.map((f) => f.path)).toEqual(['B', 'sub/release.json', '\uff61.txt', '\u{1F600}.txt']);
    expect(list[0]).toEqual({ path: 'B', sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', size: 3 });
    expect(list[2]!.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(manifestFiles([{ path: 'B', bytes: utf8('abc') }])).toEqual([list[0]]);
  });

  it('rejects unsafe or repeated paths', () => {
    for (const bad of ['', '/abs', 'a//b', '../x', 'a/./b', 'a\\b', 'nul\u0000', 'lone\ud800']) {
      expect(() => manifestFiles([{ path: bad, bytes: utf8('') }]), JSON.stringify(bad)).toThrow(BugError);
    }
    expect(() => manifestFiles([{ path: 'a', bytes: utf8('') }, { path: 'a', bytes: utf8('') }])).toThrow(/twice/);
  });
});

describe('parseManifest', () => {
  it('round-trips', () => {
    const m = sample({ files: [{ path: 'a', sha256: H('e'), size: 5 }], source: { commit: 'f'.repeat(64) } });
    expect(parseManifest(manifestBytes(m))).toEqual(m);
  });

  it('rejects non-canonical, invalid or damaged input with IntegrityError', () => {
    const good = text(manifestBytes(sample()));
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['trailing newline', utf8(good + '\n'), /canonical/],
      ['pretty printed', utf8(JSON.stringify(JSON.parse(good), null, 2)), /canonical/],
      ['duplicate key', utf8(good.replace('{', '{"environment":"other",')), /canonical/],
      ['BOM', utf8('\ufeff' + good), /JSON/],
      ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /UTF-8/],
      ['not JSON', utf8('{'), /not valid JSON/],
      ['array', utf8('[]'), /not a JSON object/],
      ['unknown field', utf8(good.replace('"apiVersion"', '"aaa":1,"apiVersion"')), /unknown field/],
      ['bad kind', utf8(good.replace('ReleaseManifest', 'Other')), /kind/],
      ['negative sequence', utf8(good.replace('"sequence":3', '"sequence":-1')), /sequence/],
      ['release.json listed', utf8(good.replace('"files":[]', `"files":[{"path":"release.json","sha256":"${H('0')}","size":1}]`)), /must not be release.json/],
      ['path escape', utf8(good.replace('"files":[]', `"files":[{"path":"../x","sha256":"${H('0')}","size":1}]`)), /"\.\." segment/],
    ];
    for (const [name, bytes, message] of cases) {
      let error: unknown;
      try {
        parseManifest(bytes);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(IntegrityError);
      expect((error as Error).message, name).toMatch(message);
    }
  });
});

// ---- properties ----

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const RELEASE = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const segment = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 8 })
  .filter((s) => s !== '.' && s !== '..' && !/[\u0000-\u001f\u007f-\u009f\\/]/u.test(s));
const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((segs) => segs.join('/'));
const folder = fc.uniqueArray(fc.record({ path, bytes: fc.uint8Array({ maxLength: 64 }) }), {
  selector: (f) => f.path,
  maxLength: 8,
});
const manifestArb: fc.Arbitrary<ReleaseManifest> = fc.record({
  apiVersion: fc.constant('slipway.dev/v1' as const),
  kind: fc.constant('ReleaseManifest' as const),
  environment: fc.stringMatching(NAME),
  release: fc.stringMatching(RELEASE),
  mode: fc.constantFrom('saas', 'self-hosted', 'white-label', 'enterprise'),
  provider: fc.constantFrom('aws', 'digitalocean', 'bare-metal'),
  runtime: fc.constantFrom('kubernetes', 'ecs', 'compose'),
  sequence: fc.maxSafeNat(),
  previous: fc.option(hex(64), { nil: null }),
  source: fc.option(fc.oneof(hex(40), hex(64)), { nil: undefined }).map((commit) => (commit === undefined ? {} : { commit })),
  files: folder.map((files) => manifestFiles(files)),
});

describe('properties', () => {
  it('comparePaths is UTF-8 byte order, for any text (surrogate pairs against U+E000 and up included)', () => {
    const sign = (n: number) => Math.sign(n);
    // Characters around the places UTF-16 order and code-point order part ways.
    const tricky = fc.constantFrom('a', 'z', '/', '\u00e9', '\ud7ff', '\ue000', '\uff5e', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}', '\ud800', '\udfff');
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.array(tricky, { maxLength: 4 }).map((parts) => parts.join('')));
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(sign(comparePaths(a, b))).toBe(sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))));
      }),
      { numRuns: 3000 },
    );
    expect(comparePaths('\u{1f600}', '\uff5e')).toBe(1);
    expect(comparePaths('a/b', 'a-b')).toBe(1);
  });

  it('parseManifest(manifestBytes(m)) equals m, and the bytes are stable', () => {
    fc.assert(
      fc.property(manifestArb, (m) => {
        const bytes = manifestBytes(m);
        const back = parseManifest(bytes);
        expect(back).toEqual(m);
        expect(Buffer.from(manifestBytes(back)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('signatures verify, and any flipped bit of manifest or signature fails', () => {
    const seed = parsePrivateKeyPem(generateSigningKey().privatePem);
    const pub = publicKeyOf(seed);
    fc.assert(
      fc.property(manifestArb, fc.nat(), fc.boolean(), (m, position, flipSignature) => {
        const signed = signRelease(m, seed);
        const sig = parseSignatureFile(signed.signature);
        expect(verifyBytes(pub, signed.manifest, sig)).toBe(true);
        const target = flipSignature ? new Uint8Array(sig) : new Uint8Array(signed.manifest);
        const bit = position % (target.length * 8);
        target[bit >> 3]! ^= 1 << (bit & 7);
        const ok = flipSignature ? verifyBytes(pub, signed.manifest, target) : verifyBytes(pub, target, sig);
        expect(ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
