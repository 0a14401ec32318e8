/**
 * The plain reader must read what `yaml` reads — the same data, every node at the same line and
 * column — or nothing: hand-written files of the bundled example, documents `yaml` writes in every
 * style from random data, and random lines of YAML-looking text, valid or not.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { expectSamePositions, readByYaml } from '../../test/support/yaml-reference.js';
import { readPlainYaml } from './plain-yaml.js';
import { maxNodes } from './input-limits.js';
import { parseSourceFile } from './source-file.js';

const runs = Number(process.env.FUZZ_RUNS ?? 300);

/** Asserts that the plain reader either refuses `text` or agrees with `yaml` on data and every position; true when it read it. */
function agrees(text: string): boolean {
  const plain = readPlainYaml(text, maxNodes);
  const reference = readByYaml(text, 'file.yaml');
  if (!plain) return false;
  expect(reference, `the plain reader read a file yaml refuses:\n${text}`).toBeDefined();
  expect(plain.data).toStrictEqual(reference!.data);
  expectSamePositions(parseSourceFile('file.yaml', text).file!, reference!.file, plain.data);
  return true;
}

function yamlFilesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const root = join(import.meta.dirname, '..', '..');

describe('the plain YAML reader', () => {
  it('reads the bundled example’s environment files, and agrees with yaml on every file it reads', () => {
    const files = ['environments', 'releases', 'policies', 'overlays', 'test/fixtures'].flatMap((folder) => yamlFilesUnder(join(root, folder)));
    const read = files.filter((file) => agrees(readFileSync(file, 'utf8'))).map((file) => relative(root, file));
    for (const environment of readdirSync(join(root, 'environments')).filter((name) => name.endsWith('.yaml'))) expect(read).toContain(`environments/${environment}`);
  });

  const key = fc.oneof(
    fc.stringMatching(/^[a-z][a-zA-Z0-9_.\/-]{0,12}$/),
    fc.constantFrom('true', 'Null', 'on', '1', '0x1', 'a b', 'a:b', 'a #b', '__proto__', 'é', '-x', '~', '', 'eks.amazonaws.com/role-arn', 'a"b', "a'b"),
  );
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', ' ', ':', '#', '-', '.', ',', '"', "'", '\\', '{', '}', '[', ']', '~', 'e', 'x', 'o', '/', '@', '*', '&', '!', '|', '>', '%', '\n', 'é', '\u2028', '\u0007'), maxLength: 12 }),
    fc.constantFrom('null', 'NULL', 'True', 'false', 'yes', '1.30', '01', '0o17', '0x1F', '1e3', '.5', '-1', '+1', '.inf', '-.Inf', '.NaN', '100Gi', '1_000', '2026-11-20T00:00:00Z', '0 2 * * *', 'https://a.example/b?c=d#e', 'a: b', 'v1.16.2'),
  );
  const scalar = fc.oneof(text, fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
  const { data } = fc.letrec((tie) => ({
    data: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('data'), { maxLength: 4 }),
    map: fc.dictionary(key, tie('data'), { maxKeys: 5 }),
  }));
  const options = fc.record({
    defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
    defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE'),
    collectionStyle: fc.constantFrom('any', 'block', 'flow'),
    indentSeq: fc.boolean(),
    indent: fc.constantFrom(2, 4),
    lineWidth: fc.constantFrom(0, 24, 80),
    flowCollectionPadding: fc.boolean(),
  } as const);

  /** A document yaml writes from `value` in `style`, with comments and blank lines put between some lines. */
  const written = (value: unknown, style: object, comments: number[]) => {
    const lines = stringify(value, style).split('\n');
    for (const at of comments) lines.splice(at % lines.length, 0, at % 2 ? '# a comment' : '');
    return lines.map((line, index) => (comments.includes(index) && line.trim() && !line.includes('#') ? `${line} # note` : line)).join('\n');
  };

  it('agrees with yaml on the documents yaml writes from any data, in every style', () => {
    fc.assert(
      fc.property(fc.dictionary(key, data, { minKeys: 1, maxKeys: 6 }), options, fc.array(fc.nat(), { maxLength: 3 }), (value, style, comments) => {
        agrees(written(value, style, comments));
      }),
      { numRuns: runs },
    );
  });

  it('reads most documents of the shapes environment files have, and agrees with yaml on them', () => {
    const name = fc.stringMatching(/^[a-z][a-zA-Z0-9_.\/-]{0,12}$/);
    const word = fc.oneof(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9 ./:_-]{0,16}[a-zA-Z0-9]$/), fc.integer({ min: 0, max: 99999 }), fc.boolean(), fc.constantFrom('1.30', '100Gi', '0 2 * * *', 'https://a.example/b'));
    const { tame } = fc.letrec((tie) => ({
      tame: fc.oneof({ depthSize: 'small' }, word, tie('list'), tie('map')),
      // Lists of lists (`- - a`) are not a shape environment files have; the reader leaves them to yaml.
      list: fc.array(fc.oneof(word, tie('map')), { minLength: 1, maxLength: 4 }),
      map: fc.dictionary(name, tie('tame'), { minKeys: 1, maxKeys: 5 }),
    }));
    let read = 0;
    fc.assert(
      fc.property(fc.dictionary(name, tame, { minKeys: 1, maxKeys: 6 }), options, fc.array(fc.nat(), { maxLength: 3 }), (value, style, comments) => {
        // A flow style goes under the top-level keys (`key: { a: b }`), as people write it.
        const text =
          style.collectionStyle === 'flow'
            ? `${Object.entries(value).map(([name, item]) => `${name}: ${stringify(item, { ...style, lineWidth: 0 }).trimEnd()}`).join('\n')}\n`
            : written(value, { ...style, lineWidth: 0 }, comments);
        if (agrees(text)) read++;
      }),
      { numRuns: runs },
    );
    // Otherwise the agreement above would prove little.
    expect(read).toBeGreaterThan(runs * 0.95);
  });

  // Lines built like mapping entries and list items, out of pieces that are often fine and often not.
  const indent = fc.constantFrom('', '', '', '  ', '    ', '   ');
  const keyPiece = fc.constantFrom('key', 'other', 'list', 'a.b/c', '"q k"', "'s'", 'true', '1', '-k', 'k k', 'k', 'key');
  const trickyPiece = fc
    .array(fc.constantFrom('a', 'b', '1', '1.5', ' ', ':', ': ', '#', ' #', '"', "'", '\\', '\\n', '{', '}', '[', ']', ',', '~', 'é', '-', '.', '0x1', '*', '&', '!', '|', '>', '\t', '\r', '---', '?', '%'), { minLength: 1, maxLength: 4 })
    .map((pieces) => pieces.join(''));
  const scalarPiece = fc.oneof(fc.constantFrom('a', 'x1', 'a b', 'https://h/p', '100Gi', '1.5', '2', 'true', '~', 'é'), trickyPiece);
  const valuePiece = fc.oneof(
    scalarPiece,
    scalarPiece.map((text) => `"${text}"`),
    scalarPiece.map((text) => `'${text}'`),
    fc.tuple(keyPiece, scalarPiece).map(([key, text]) => `{ ${key}: ${text} }`),
    fc.tuple(scalarPiece, scalarPiece).map(([a, b]) => `[${a}, ${b}]`),
    fc.constantFrom('{}', '[]', '', '[a, [b, c]]', '{ a: { b: 1 } }'),
  );
  const comment = fc.constantFrom('', '', ' # c', '#c', '  # x');
  const entry = fc.oneof(
    fc.tuple(indent, keyPiece, valuePiece, comment).map(([at, key, value, note]) => `${at}${key}: ${value}${note}`),
    fc.tuple(indent, keyPiece, comment).map(([at, key, note]) => `${at}${key}:${note}`),
    fc.tuple(indent, valuePiece, comment).map(([at, value, note]) => `${at}- ${value}${note}`),
    fc.tuple(indent, keyPiece, valuePiece).map(([at, key, value]) => `${at}- ${key}: ${value}`),
    fc.constantFrom('# c', '', '---'),
  );

  it('refuses what yaml refuses, and agrees on what both read, in random YAML-looking lines', () => {
    let read = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), (lines) => {
        if (agrees(`${lines.join('\n')}\n`)) read++;
      }),
      { numRuns: runs * 4 },
    );
    // Enough of them read for the agreement to mean something.
    expect(read).toBeGreaterThan(runs / 15);
  });

  it('reads common shapes, so environment files seldom need the full parse', () => {
    const shapes = [
      'name: a\nservices: [api, web]\noverrides:\n  services:\n    api:\n      env: { A: "1", B: x }\n',
      'list:\n- a\n- { b: 1 }\n- c: d\n  e: [f]\nnext: 2\n',
      'a: 1 # note\n\n# whole line\nb: "x # not a comment"\nc: \'it\'\'s\'\n',
      '- op: replace\n  path: /spec/timeout\n  value: 30m\n',
    ];
    for (const shape of shapes) expect(agrees(shape), shape).toBe(true);
  });
});
