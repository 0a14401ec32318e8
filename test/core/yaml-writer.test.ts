import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScalar, parse, Scalar, Schema, stringify, type CreateNodeOptions, type DocumentOptions, type SchemaOptions, type ToStringOptions } from 'yaml';
import { composeYamlBytes, composeYamlDialect } from '../../generators/compose/compose-file.js';
import { sortKeysDeep, yamlBytes, yamlDialect } from '../../src/core/serialize.js';
import { YamlWriter } from '../../src/core/yaml-writer.js';

/** Raise to run the properties long: `YAML_WRITER_RUNS=5000 npx vitest run test/core/yaml-writer.test.ts`. */
const runs = Number(process.env.YAML_WRITER_RUNS ?? 150);

// `ignoreBOM`: a key may start with U+FEFF, which a default decoder drops from the start of the text.
const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

type Options = DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions;

// The references, written out here from the `yaml` package alone so the product's own code is not its judge.
// Strings any reader would take for another type are quoted: YAML 1.2, YAML 1.1 and Go's integer prefixes.
const goIntegers = { tag: 'tag:test,go-int', default: true, test: /^[-+]?0[xXoObB][0-9a-fA-F_]+$/, resolve: (text: string) => text };
const compat = [...new Schema({ schema: 'core' }).tags, ...new Schema({ schema: 'yaml-1.1' }).tags, goIntegers] as Options['compat'];
const blockOptions: Options = { lineWidth: 0, aliasDuplicateObjects: false, compat };
const composeOptions: Options = { version: '1.1', defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0, aliasDuplicateObjects: false, compat };
const lineSeparators = /[\u0085\u2028\u2029]/;

/** Blank lines alone, which `yaml` writes as a block scalar that reads back without its spaces. */
const blankLines = (text: string) => /^[\t\n ]*$/.test(text) && text.includes('\n');

/**
 * `yaml.stringify`; when that holds NEL, LS or PS, or a string of blank lines alone, again with
 * those strings double-quoted and the characters escaped, as `yamlBytes` promises.
 */
function blockReference(data: unknown): string {
  const plain = stringify(data, blockOptions);
  if (!lineSeparators.test(plain) && !holdsString(data, blankLines)) return plain;
  const quoted = (value: unknown): unknown => {
    if (typeof value === 'string' && (lineSeparators.test(value) || blankLines(value))) return Object.assign(new Scalar(value), { type: Scalar.QUOTE_DOUBLE });
    if (isScalar(value)) {
      const copy = Object.assign(new Scalar(value.value), { tag: value.tag });
      if (typeof value.value === 'string' && (lineSeparators.test(value.value) || blankLines(value.value))) copy.type = Scalar.QUOTE_DOUBLE;
      return copy;
    }
    if (Array.isArray(value)) return value.map(quoted);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => {
          if (item !== undefined && lineSeparators.test(key)) throw new Error('a key holds a line separator');
          return [key, quoted(item)];
        }),
      );
    }
    return value;
  };
  return stringify(quoted(data), blockOptions).replace(/[\u0085\u2028\u2029]/g, (character) => ({ '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' })[character]!);
}

/** Text that YAML reads as something else, or that needs quoting, escaping or a block scalar. */
const hostileFragments = [
  ': ', ' #', '#', ' ', '  ', '\t', '\n', '\n\n', '\r', '- ', '-', '? ', '?', ':', ',', '[', ']', '{', '}', '&a', '*a', '!tag', '|', '>', "'", '"', '%', '@', '`',
  '---', '...', '<<', '~', 'null', 'Null', 'NULL', 'true', 'True', 'false', 'FALSE', 'yes', 'no', 'No', 'on', 'OFF', 'y', 'N', 'e5', 'E+3',
  '0', '-0', '0o17', '017', '0x1F', '0b101', '1e3', '1_000', '1:30', '.5', '+1', '-1.5', '.inf', '-.Inf', '.nan', '2026-01-01',
  'é', '😀', '\ud800', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\\', '\\n', '$', '${X}', 'a', 'B', '_', '/', '.', '1',
];
const hostileString = fc.oneof(
  fc.constantFrom(...hostileFragments, ''),
  fc.array(fc.oneof(fc.constantFrom(...hostileFragments), fc.string({ maxLength: 4 })), { maxLength: 8 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.stringMatching(/^[A-Za-z_/][\w./@+=,():-]{0,12}$/),
  // Any printable ASCII after a start the writer may keep plain, and one line refused as plain: what it writes without asking yaml.
  fc.stringMatching(/^(?:[A-Za-z_/]|\.\.?\/|[-?:#&*!|>'%@`,[\]{} ])[ -~]{0,16}$/),
);
/** A long multi-line string, so double-quoted strings fold over lines (at 40 characters and more). */
const longString = fc.array(fc.constantFrom('line', ' ', '\n', '  indented', 'x: y', '\t', '"', '\u2028', '€'), { minLength: 6, maxLength: 30 }).map((parts) => parts.join(''));
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 0, 1e21, 2 ** 53, -(2 ** 60), 0.1, 5e-324, 1.5e300));
const scalar = fc.oneof(hostileString, longString, number, fc.boolean(), fc.constant(null));
/** Objects built by `Object.fromEntries`, so `__proto__` and integer-like keys are ordinary own keys. */
const entries = <T>(value: fc.Arbitrary<T>) =>
  fc.array(fc.tuple(fc.oneof(hostileString, fc.constantFrom('__proto__', '10', '2', '02', 'a')), fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: fc.constant(undefined) })), { maxLength: 5 });
const tree: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('node'), { maxLength: 4 }), entries(tie('node')).map((pairs) => Object.fromEntries(pairs))),
})).node;
const document = fc.oneof(fc.array(tree, { maxLength: 5 }), entries(tree).map((pairs) => Object.fromEntries(pairs)));

const blockWriter = new YamlWriter(yamlDialect);
const composeWriter = new YamlWriter(composeYamlDialect);

function outcome(write: () => string): string | Error {
  try {
    return write();
  } catch (error) {
    return error as Error;
  }
}

/** What the document means once written: `undefined` map values are left out. */
function meaning(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(meaning);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).flatMap(([key, item]) => (item === undefined ? [] : [[key, meaning(item)]])));
  }
  return value;
}

/**
 * Strings `yaml` (2.9) writes in a way that does not read back as written; the writer must write
 * the same bytes, so a document holding one is checked for its bytes only:
 * - a line of one space inside a double-quoted string folded over lines becomes `\\ `, a backslash;
 * - a multi-line key of whitespace alone gets a block scalar without its indentation indicator
 *   (as a value, `yamlBytes` double-quotes it);
 * - a first key starting with U+FEFF is read as a byte order mark.
 */
function readsBackDifferently(data: unknown, written: string): boolean {
  const wrong = (text: string) => text.includes('\n \n') || (/^[\t\n ]*$/.test(text) && text.includes('\n'));
  return written.startsWith('\ufeff') || holdsKey(data, wrong) || holdsString(data, (text) => text.includes('\n \n'));
}

function holdsString(value: unknown, test: (text: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  return value !== null && typeof value === 'object' && Object.values(value).some((item) => holdsString(item, test));
}

function holdsKey(value: unknown, test: (key: string) => boolean): boolean {
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => (!Array.isArray(value) && test(key)) || holdsKey(item, test));
}

describe('the YAML writer', () => {
  it('writes exactly the bytes of yaml.stringify under the option set of yamlBytes, sorted or not, and they read back as the data', () => {
    fc.assert(
      fc.property(document, fc.boolean(), (data, sortKeys) => {
        const expected = outcome(() => blockReference(sortKeys ? sortKeysDeep(data) : data));
        const written = blockWriter.write(data, { sortKeys });
        if (expected instanceof Error) {
          // A key holding a line separator is a bug the reference path reports: the writer hands the document to it.
          expect(written).toBeUndefined();
          expect(() => yamlBytes(data, { sortKeys })).toThrow(/line separator/);
          return;
        }
        // Such a key is refused only when the document holds a line separator elsewhere: the writer leaves that to the reference too.
        if (written !== undefined || !holdsKey(data, (key) => lineSeparators.test(key))) expect(written).toBe(expected);
        expect(text(yamlBytes(data, { sortKeys }))).toBe(expected);
        if (!readsBackDifferently(data, expected)) expect(parse(expected)).toEqual(meaning(data));
      }),
      { numRuns: runs },
    );
  });

  it('writes exactly the bytes of yaml.stringify under the option set of the Compose file (YAML 1.1, strings double-quoted)', () => {
    fc.assert(
      fc.property(document, (data) => {
        const expected = stringify(sortKeysDeep(data), composeOptions);
        expect(composeWriter.write(data, { sortKeys: true })).toBe(expected);
        expect(text(composeYamlBytes(data))).toBe(expected);
        // `<<` is the YAML 1.1 merge key, which `yaml` writes bare even as a value: not the writer's to change.
        if (!expected.includes('<<') && !readsBackDifferently(data, expected)) expect(parse(expected, { version: '1.1' })).toEqual(meaning(data));
      }),
      { numRuns: runs },
    );
  });

  it('writes every short string over a tricky alphabet as yaml does, as key and as value', () => {
    const alphabet = ['a', 'e', 'y', 'n', 'N', 'o', 'O', 'E', '1', '_', '/', '.', '-', '+', ':', ' ', '~', '#'];
    const strings = [''];
    for (let length = 1, last = ['']; length <= 3; length++) {
      last = last.flatMap((prefix) => alphabet.map((character) => prefix + character));
      strings.push(...last);
    }
    const data = Object.fromEntries(strings.map((value) => [value, { [value]: [value] }]));
    expect(blockWriter.write(data, { sortKeys: true })).toBe(blockReference(sortKeysDeep(data)));
    expect(composeWriter.write(data, { sortKeys: true })).toBe(stringify(sortKeysDeep(data), composeOptions));
  });

  it('lays out collections as yaml does: empty ones inline, maps in sequences, sequences in maps and in sequences', () => {
    const data = { a: {}, b: [], c: [[], {}, [1, [2, { x: null }]], { d: { e: [true, false] }, f: 'g' }], h: { i: [{ j: [] }] }, k: null, l: -0, m: 1e21, n: 0.5 };
    expect(blockWriter.write(data, { sortKeys: true })).toBe(stringify(data, blockOptions));
    expect(blockWriter.write({}, { sortKeys: true })).toBe('{}\n');
    expect(blockWriter.write([], { sortKeys: false })).toBe('[]\n');
    expect(blockWriter.write([[['deep']]], { sortKeys: false })).toBe('- - - deep\n');
  });

  it('re-indents block scalars and folded double-quoted strings for the depth they are written at', () => {
    const script = 'set -e\n  indented\n\nlast line\n';
    const folded = 'a line long enough to be folded\n  over the next one, and\n';
    const data = { top: script, deep: { deeper: [script, { x: [script] }] }, odd: '\n leading', quoted: [{ y: folded }], breaks: { z: `${folded}\u2028` } };
    expect(blockWriter.write(data, { sortKeys: true })).toBe(blockReference(sortKeysDeep(data)));
    expect(composeWriter.write(data, { sortKeys: true })).toBe(stringify(sortKeysDeep(data), composeOptions));
  });

  it('writes a key of more than 1024 characters, which yaml makes explicit, through yaml itself', () => {
    const data = { ['k'.repeat(1025)]: 1, short: { ['\u0001'.repeat(300)]: 2 } };
    expect(blockWriter.write(data, { sortKeys: true })).toBeUndefined();
    expect(text(yamlBytes(data))).toBe(stringify(sortKeysDeep(data), blockOptions));
    expect(text(composeYamlBytes(data))).toBe(stringify(sortKeysDeep(data), composeOptions));
  });

  it('writes text tagged as Ansible tags it (`!unsafe`) exactly as yaml does, in maps and sequences at any depth', () => {
    const unsafe = (value: string) => Object.assign(new Scalar(value), { tag: '!unsafe' });
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 60 }), (texts, script) => {
        const data = () => ({ a: unsafe(script), b: texts.map(unsafe), c: { d: [{ e: unsafe(script), f: texts.map(unsafe) }] } });
        const expected = blockReference(data());
        expect(blockWriter.write(data(), { sortKeys: false })).toBe(expected);
        expect(text(yamlBytes(data(), { sortKeys: false }))).toBe(expected);
      }),
      { numRuns: runs },
    );
  });

  it('hands to yaml whatever is not plain data, and yamlBytes still writes it as before', () => {
    const tagged = new Scalar('site');
    tagged.tag = '!unsafe';
    const styled = Object.assign(new Scalar('site'), { tag: '!unsafe', type: Scalar.QUOTE_SINGLE });
    const notPlain: unknown[] = [{ a: styled }, { a: new Map([['b', 1]]) }, { a: new Date(0) }, { a: new Uint8Array([1]) }, { a: Number.POSITIVE_INFINITY }, { a: NaN }, ['x', undefined], { a: 10n }, 'top-level scalar', null, 3];
    for (const data of notPlain) expect(blockWriter.write(data, { sortKeys: false })).toBeUndefined();
    expect(text(yamlBytes({ site: tagged }, { sortKeys: false }))).toBe('site: !unsafe site\n');
    expect(text(yamlBytes({ site: styled }, { sortKeys: false }))).toBe("site: !unsafe 'site'\n");
    expect(text(yamlBytes(['x', undefined], { sortKeys: false }))).toBe('- x\n- null\n');
    expect(text(yamlBytes({ a: Number.NEGATIVE_INFINITY }))).toBe('a: -.inf\n');
    expect(isScalar(tagged)).toBe(true);
  });
});
