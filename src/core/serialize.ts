import { isNode, isScalar, Scalar, Schema, stringify, type ScalarTag } from 'yaml';
import { sortTextInPlace } from './diagnostics.js';
import { BugError } from './errors.js';
import { YamlWriter, type YamlDialect } from './yaml-writer.js';

const encoder = new TextEncoder();

/** Deep copy with every object's keys in code-point order, so serialised output never depends on insertion order. */
export function sortKeysDeep<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  // Loops rather than entries/filter/sort/map: the runbook and the manifests copy a lot of objects.
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) items[index] = sortKeysDeep(value[index]);
    return items as T;
  }
  const source = value as Record<string, unknown>;
  const keys = sortTextInPlace(Object.keys(source));
  const sorted: Record<string, unknown> = {};
  for (const key of keys) {
    const item = source[key];
    if (item === undefined) continue;
    // An input may hold the key `__proto__`: it stays a key, as it is in the data, never a prototype.
    if (key === '__proto__') Object.defineProperty(sorted, key, { value: sortKeysDeep(item), enumerable: true, writable: true, configurable: true });
    else sorted[key] = sortKeysDeep(item);
  }
  return sorted as T;
}

/** Pretty JSON for people and machines alike: sorted keys, two-space indent, final newline. */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(sortKeysDeep(value), null, 2)}\n`);
}

/**
 * NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are line breaks to YAML 1.1 readers (Helm's, kubectl's
 * go-yaml), which would fold or trim them out of a plain scalar, but ordinary characters to YAML
 * 1.2. A string holding one is written double-quoted with the escape both read the same way.
 */
const yaml11Breaks = /[\u0085\u2028\u2029]/;
const breakEscapes: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };

/**
 * `yaml` (2.9) writes text of only blanks and line breaks as a block scalar with no indentation
 * indicator, which reads back without its spaces; double-quoted, it keeps every character.
 */
const onlyBlankLines = (text: string) => /^[\t\n ]*$/.test(text) && text.includes('\n');

/** Strings written double-quoted whatever `yaml` would choose: those holding a YAML 1.1 break, and blank lines alone. */
const mustDoubleQuote = (text: string) => yaml11Breaks.test(text) || onlyBlankLines(text);

function quoteBreaks(value: unknown): unknown {
  if (isNode(value)) {
    // A node the caller built (a tagged scalar): written as built, double-quoted if it must be.
    if (isScalar(value) && typeof value.value === 'string' && mustDoubleQuote(value.value)) value.type = 'QUOTE_DOUBLE';
    return value;
  }
  if (typeof value === 'string' && mustDoubleQuote(value)) {
    const scalar = new Scalar(value);
    scalar.type = 'QUOTE_DOUBLE';
    return scalar;
  }
  if (Array.isArray(value)) return value.map(quoteBreaks);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        // Keys are names the schemas keep to plain characters; one with a break would be written raw
        // (one whose value is undefined is left out, so it is not written at all).
        if (item !== undefined && yaml11Breaks.test(key)) throw new BugError(`a YAML key holds a line separator: ${JSON.stringify(key)}`);
        return [key, quoteBreaks(item)];
      }),
    );
  }
  return value;
}

/**
 * Go's `strconv.ParseInt(text, 0, 64)`, which go-yaml applies to plain scalars once it has dropped
 * their underscores, also reads `0O17`, `0B1`, `0X1F` and `0o1_7` as integers; neither YAML schema does.
 */
const goIntegerPrefixes: ScalarTag = { tag: 'tag:slipway.dev,2026:go-int', default: true, test: /^[-+]?0[xXoObB][0-9a-fA-F_]+$/, resolve: (text) => text };

/**
 * Every plain scalar some reader of Slipway's output takes for something other than a string:
 * YAML 1.2 (`yaml`, compose-go), YAML 1.1 (go-yaml in Helm, kubectl and Flux; PyYAML in Ansible:
 * `n`, `yes`, `off`, `1_000`, `1:20`, `2001-12-14`, `<<`) and Go's integer prefixes. `yaml` writes
 * a string any of them would read so in quotes, keys included.
 */
export const readersPlainTypes: ScalarTag[] = [
  ...(new Schema({ schema: 'core' }).tags as ScalarTag[]),
  ...(new Schema({ schema: 'yaml-1.1' }).tags as ScalarTag[]),
  goIntegerPrefixes,
];

const yamlOptions = { lineWidth: 0, aliasDuplicateObjects: false, compat: readersPlainTypes } as const;

/** The `yaml` serialiser with the rules for double quotes above: the reference for every YAML file Slipway writes. */
function stringifyYaml(data: unknown): string {
  const plain = stringify(data, yamlOptions);
  // Almost no document holds a break or a literal block without its indentation indicator (the
  // only form blank lines take): only one that does is walked and written again.
  if (!yaml11Breaks.test(plain) && !/\|[+-]?\n/.test(plain)) return plain;
  const text = stringify(quoteBreaks(data), yamlOptions);
  // Only the double-quoted scalars above hold these characters, where the escape means the character.
  return text.replace(/[\u0085\u2028\u2029]/g, (character) => breakEscapes[character]!);
}

export const yamlDialect: YamlDialect = { quotesEveryString: false, stringify: stringifyYaml };
const yamlWriter = new YamlWriter(yamlDialect);

/**
 * YAML with the bytes the `yaml` serialiser writes from data; `sortKeys: false` keeps an order the
 * caller chose on purpose. Plain data goes through the faster writer; anything else (a node the
 * caller built, a Date, a Map) through `yaml` itself.
 */
export function yamlBytes(value: unknown, options: { sortKeys?: boolean } = {}): Uint8Array {
  const sortKeys = options.sortKeys !== false;
  return encoder.encode(yamlWriter.write(value, { sortKeys }) ?? stringifyYaml(sortKeys ? sortKeysDeep(value) : value));
}

export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}
