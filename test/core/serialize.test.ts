import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, Scalar } from 'yaml';
import { jsonBytes, sortKeysDeep, yamlBytes } from '../../src/core/serialize.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('the YAML writer', () => {
  it('writes NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR as escapes in double quotes, which YAML 1.1 readers (go-yaml) do not fold', () => {
    expect(text(yamlBytes({ a: 'x\u2028', b: 'why', c: ['\u0085z', 'p\u2029'] }))).toBe('a: "x\\L"\nb: why\nc:\n  - "\\Nz"\n  - "p\\P"\n');
  });

  // go-yaml (Helm, kubectl, Flux) reads `n` as false and `2001-12-14` as a time it writes back as
  // `2001-12-14T00:00:00Z`; PyYAML (Ansible) reads `1:20` as 80. Helm's own reading is tested in test/kubernetes/injection.test.ts.
  const otherTypeToSomeReader = ['n', 'N', 'y', 'Yes', 'off', 'ON', 'no', '~', 'null', '', '1_000', '1:20', '1:20.5', '2001-12-14', '2001-12-14 21:59:43.10', '0b101', '0B101', '0o17', '0O17', '0X1F', '017', '08', '1e3', '1_0.5', '.inf', '-.Inf', '<<'];

  it('quotes, as value and as key, every string a YAML 1.2 or 1.1 reader or Go takes for another type, so each reads back as text', () => {
    for (const value of otherTypeToSomeReader) {
      const written = text(yamlBytes({ value, list: [value], map: { [value]: 'key' } }));
      expect(written, value).toBe(`list:\n  - ${JSON.stringify(value)}\nmap:\n  ${JSON.stringify(value)}: key\nvalue: ${JSON.stringify(value)}\n`);
      for (const version of ['1.1', '1.2'] as const) expect(parse(written, { version }), `${value} as YAML ${version}`).toEqual({ value, list: [value], map: { [value]: 'key' } });
    }
  });

  it('leaves plain what every reader takes for text: versions, names, paths, hosts', () => {
    expect(text(yamlBytes({ a: '1.4.2', b: 'nginx', c: '/var/lib', d: 'db.internal:5432', e: 'no-cache', f: 'v1' }))).toBe('a: 1.4.2\nb: nginx\nc: /var/lib\nd: db.internal:5432\ne: no-cache\nf: v1\n');
  });

  it('keeps a tagged scalar the caller built, double-quoting it when it holds a break', () => {
    const tagged = new Scalar('site\u2028x');
    tagged.tag = '!unsafe';
    expect(text(yamlBytes({ site: tagged }, { sortKeys: false }))).toBe('site: !unsafe "site\\Lx"\n');
  });

  it('any string value reads back as itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect((parse(text(yamlBytes({ value }))) as { value: string }).value).toBe(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('blank lines alone', () => {
  it('are written double-quoted and read back with every space, in values and tagged scalars', () => {
    for (const text of [' \n', '  \n\n', '\n \n', '\t\n ']) {
      expect(parse(new TextDecoder().decode(yamlBytes({ a: text, b: [text] })))).toEqual({ a: text, b: [text] });
      const tagged = Object.assign(new Scalar(text), { tag: '!unsafe' });
      const written = new TextDecoder().decode(yamlBytes({ a: tagged }, { sortKeys: false }));
      expect(parse(written, { customTags: [{ tag: '!unsafe', resolve: (value: string) => value }] })).toEqual({ a: text });
    }
  });
});

describe('sortKeysDeep', () => {
  it('copies with every key in code-point order, leaves undefined out, keeps arrays in order and bytes as they are', () => {
    const bytes = new Uint8Array([1, 2]);
    const input = { b: [{ z: 1, a: undefined, m: null }, 'x'], a: { 'é': 1, Z: 2, e: 3 }, bytes };
    const sorted = sortKeysDeep(input);
    expect(JSON.stringify(sorted)).toBe('{"a":{"Z":2,"e":3,"é":1},"b":[{"m":null,"z":1},"x"],"bytes":{"0":1,"1":2}}');
    expect(sorted.bytes).toBe(bytes);
    expect(Object.keys(input)).toEqual(['b', 'a', 'bytes']);
  });

  it('keeps a key named __proto__ as a key, never as the prototype', () => {
    const input = JSON.parse('{"b": 1, "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const sorted = sortKeysDeep(input);
    expect(Object.getPrototypeOf(sorted)).toBe(Object.prototype);
    expect(JSON.stringify(sorted)).toBe('{"__proto__":{"polluted":true},"b":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('writes JSON the same whatever order the keys were inserted in', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(new TextDecoder().decode(jsonBytes(reversed))).toBe(new TextDecoder().decode(jsonBytes(record)));
      }),
    );
  });
});
