/**
 * The JSON reader must read what `yaml` reads — the same data, every node at the same line and
 * column — or nothing, and `parseSourceFile` must report exactly what it reported before for every
 * text the reader refuses: the bundled example's service files, JSON written from random data with
 * random spacing, and random JSON-looking text, valid or not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectSamePositions, readByYaml } from '../../test/support/yaml-reference.js';
import { maxNodes } from './input-limits.js';
import { readPlainJson } from './plain-json.js';
import { parseSourceFile } from './source-file.js';

const runs = Number(process.env.FUZZ_RUNS ?? 300);

/** The data as JSON text in which key order counts and -0 is not 0. */
function exactly(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (Object.is(item, -0) ? '(minus zero)' : item));
}

/** Asserts that the JSON reader either refuses `text` or agrees with `yaml` on data and every position; true when it read it. */
function agrees(text: string, nodeLimit = maxNodes): boolean {
  const plain = readPlainJson(text, nodeLimit);
  if (!plain) return false;
  const reference = readByYaml(text, 'service.json');
  expect(reference, `the JSON reader read a text yaml refuses:\n${text}`).toBeDefined();
  // As text: a key named "constructor" confuses a deep equality's type check; -0 is kept apart from 0.
  expect(exactly(plain.data)).toBe(exactly(reference!.data));
  expectSamePositions(parseSourceFile('service.json', text).file!, reference!.file, plain.data);
  return true;
}

const root = join(import.meta.dirname, '..', '..');

/** JSON text of `value` with the given spacing: JSON.stringify's indentation, or spaces and line breaks put around every token. */
function written(value: unknown, indent: number | string, padding: string[]): string {
  const text = JSON.stringify(value, null, indent);
  if (padding.length === 0) return text;
  let turn = 0;
  // Between tokens only: never inside a string.
  return text.replace(/("(?:[^"\\]|\\.)*")|([{}[\],:])/g, (match, string: string | undefined) => (string ? match : `${padding[turn++ % padding.length]}${match}${padding[turn++ % padding.length]}`));
}

describe('the plain JSON reader', () => {
  it('reads the bundled example’s service files, as yaml does', () => {
    for (const service of readdirSync(join(root, 'services'))) {
      const text = readFileSync(join(root, 'services', service, 'service.json'), 'utf8');
      expect(agrees(text), `services/${service}/service.json`).toBe(true);
    }
  });

  const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', '0', '1', 'a b', 'é', '\u2028', 'a"b', 'a\\b', '\u0007', ''));
  const scalar = fc.oneof(
    fc.string({ maxLength: 10 }),
    fc.string({ unit: fc.constantFrom('a', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u0085', '\u2028', '\u202e', 'é', '😀', '\ud800'), maxLength: 6 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1e21, 1e-7, 12345678901234567890, Number.MAX_SAFE_INTEGER + 2),
    fc.boolean(),
    fc.constant(null),
  );
  const { list, map } = fc.letrec((tie) => ({
    data: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('data'), { maxLength: 4 }),
    map: fc.dictionary(key, tie('data'), { maxKeys: 5 }),
  }));
  const indent = fc.constantFrom(0, 2, 4, '\t', ' ');
  const padding = fc.array(fc.constantFrom('', ' ', '\n', '  \n  ', '\t', '\n\n'), { maxLength: 3 });

  it('agrees with yaml on JSON written from any data, with any spacing', () => {
    let read = 0;
    fc.assert(
      fc.property(fc.oneof(map, list), indent, padding, (value, spacing, pads) => {
        if (agrees(written(value, spacing, pads))) read++;
      }),
      { numRuns: runs },
    );
    // Most of it is read: otherwise the agreement would prove little.
    expect(read).toBeGreaterThan(runs * 0.3);
  });

  // Text built of JSON's pieces, mostly not JSON: whatever the reader takes, yaml must read the same.
  const piece = fc.constantFrom('{', '}', '[', ']', ',', ':', '"a"', '"b"', '"a', '1', '-', '0', '01', '1.', '.5', '1e', '1e5', '-0', 'true', 'tru', 'null', 'nul', ' ', '\n', '\r\n', '\t', '"\\u0041"', '"\\x"', '"\\ud800"', '//', "'a'", '#', '&a', '*a', '!!str', '\ufeff');
  it('refuses what yaml refuses, and agrees on what both read, in random JSON-looking text', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), (pieces) => {
        agrees(pieces.join(''));
      }),
      { numRuns: runs * 4 },
    );
  });

  it('leaves to yaml what yaml reports on, so the findings stay as they were', () => {
    const refused = [
      '{"a": 1, "a": 2}',
      '{"a": "\\u0007"}',
      '{"\\u0000": 1}',
      '{"__proto__": {"x": 1}}',
      '{"a": 1}\r\n',
      '{"a": [1, 2,]}',
      '{"a": 1} {"b": 2}',
      '\ufeff{"a": 1}',
      '{"a": 01}',
    ];
    for (const text of refused) expect(readPlainJson(text, maxNodes), text).toBeUndefined();
    // Over the node limit: yaml counts every key, value and collection, and so does the reader.
    expect(agrees('{"a": [1, 2], "b": 3}', 7)).toBe(true);
    expect(readPlainJson('{"a": [1, 2], "b": 3}', 6)).toBeUndefined();
    expect(parseSourceFile('services/a/service.json', '{"a": [1, 2], "b": 3}').diagnostics).toEqual([]);
  });
});
