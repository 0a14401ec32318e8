import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, Scalar } from 'yaml';
import { yamlBytes } from '../../src/core/serialize.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('the YAML writer', () => {
  it('writes NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR as escapes in double quotes, which YAML 1.1 readers (go-yaml) do not fold', () => {
    expect(text(yamlBytes({ a: 'x\u2028', b: 'y', c: ['\u0085z', 'p\u2029'] }))).toBe('a: "x\\L"\nb: y\nc:\n  - "\\Nz"\n  - "p\\P"\n');
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
