import { isScalar, type Scalar } from 'yaml';
import { sortTextInPlace } from './diagnostics.js';

/**
 * One option set of the `yaml` package, as the writer sees it. `stringify` is the reference the
 * writer must match byte for byte: it is asked how to write every scalar the writer cannot prove
 * it writes the same way, and it writes whole any document that is not plain data.
 */
export interface YamlDialect {
  /** `defaultStringType: 'QUOTE_DOUBLE'`: every string value double-quoted, keys still plain where they may be. */
  readonly quotesEveryString: boolean;
  /** The `yaml` package with this option set, on data already in the order to write. */
  readonly stringify: (data: unknown) => string;
}

/**
 * Block-style YAML for plain data (objects, arrays, strings, finite numbers, booleans, null) with
 * exactly the bytes `dialect.stringify` writes, in one walk that sorts keys as it goes. `yaml` builds
 * a node tree first and tests every scalar against every tag of its schema, which made serialising
 * close to half of a build's time.
 *
 * The layout below mirrors the `yaml` stringifier: a map's pairs are joined by a newline and the
 * map's indent; a pair's key and value are written one step deeper; a non-empty collection as a
 * value starts on the next line at that deeper indent, an empty one stays `{}` or `[]` on the key's
 * line; a sequence item is `- ` and the item written one step deeper.
 */
export class YamlWriter {
  private readonly nullText: string;
  private readonly trueText: string;
  private readonly falseText: string;
  /** What `yaml` wrote for a key or value it had to be asked about, per indent level: its text depends on the indent. */
  private readonly keyTexts: Map<string, string>[] = [];
  private readonly valueTexts: Map<string, string>[] = [];
  private readonly numberTexts = new Map<string, string>();
  /** Tagged scalars (Ansible's `!unsafe` text), by tag and text, per indent level. */
  private readonly taggedTexts: Map<string, string>[] = [];

  constructor(private readonly dialect: YamlDialect) {
    this.nullText = this.askValue(null, 1);
    this.trueText = this.askValue(true, 1);
    this.falseText = this.askValue(false, 1);
  }

  /** The document's text, or `undefined` when the value is not plain data: then only `yaml` may write it. */
  write(value: unknown, options: { sortKeys: boolean }): string | undefined {
    if (!isPlainCollection(value)) return undefined;
    try {
      return `${this.collection(value, 0, options.sortKeys)}\n`;
    } catch (error) {
      if (error === notPlainData) return undefined;
      throw error;
    }
  }

  private collection(value: object, level: number, sortKeys: boolean): string {
    return Array.isArray(value) ? this.sequence(value, level, sortKeys) : this.mapping(value as Record<string, unknown>, level, sortKeys);
  }

  private mapping(map: Record<string, unknown>, level: number, sortKeys: boolean): string {
    const keys = orderKeys(this.keysWithValues(map), sortKeys);
    if (keys.length === 0) return '{}';
    const separator = `\n${indent(level)}`;
    let text = '';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (i > 0) text += separator;
      text += `${this.key(key, level)}:${this.pairValue(map[key], level + 1, sortKeys)}`;
    }
    return text;
  }

  private keysWithValues(map: Record<string, unknown>): string[] {
    const keys = Object.keys(map);
    for (let i = 0; i < keys.length; i++) {
      if (map[keys[i]!] === undefined) return keys.filter((key) => map[key] !== undefined);
    }
    return keys;
  }

  private pairValue(value: unknown, level: number, sortKeys: boolean): string {
    if (typeof value !== 'object' || value === null) return ` ${this.scalar(value, level)}`;
    if (!isPlainCollection(value)) {
      if (isTaggedText(value)) return ` ${this.tagged(value, level)}`;
      throw notPlainData;
    }
    const text = this.collection(value, level, sortKeys);
    // Only an empty collection is written `{}` or `[]`: a non-empty map starts with a key and a colon, a sequence with `- `.
    return text === '{}' || text === '[]' ? ` ${text}` : `\n${indent(level)}${text}`;
  }

  private sequence(items: readonly unknown[], level: number, sortKeys: boolean): string {
    if (items.length === 0) return '[]';
    const separator = `\n${indent(level)}`;
    let text = '';
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i > 0) text += separator;
      if (typeof item !== 'object' || item === null) text += `- ${this.scalar(item, level + 1)}`;
      else if (isPlainCollection(item)) text += `- ${this.collection(item, level + 1, sortKeys)}`;
      else if (isTaggedText(item)) text += `- ${this.tagged(item, level + 1)}`;
      else throw notPlainData;
    }
    return text;
  }

  private scalar(value: unknown, level: number): string {
    switch (typeof value) {
      case 'string':
        return this.string(value, level);
      case 'number':
        return this.number(value);
      case 'boolean':
        return value ? this.trueText : this.falseText;
      default:
        // undefined in a sequence, a bigint, a symbol, a function: rare enough to leave to `yaml` whole.
        if (value === null) return this.nullText;
        throw notPlainData;
    }
  }

  private string(value: string, level: number): string {
    if (this.dialect.quotesEveryString) {
      if (value !== '<<' && !escapedInDoubleQuotes.test(value)) return JSON.stringify(value);
    } else if (isWrittenPlain(value)) {
      return value;
    } else if (isWrittenDoubleQuoted(value)) {
      return JSON.stringify(value);
    }
    return this.remembered(this.valueTexts, level, value, () => this.askValue(value, level));
  }

  /**
   * A scalar node the caller built only to tag its text. In block style `yaml` writes a local tag (`!unsafe`) before
   * the text exactly as it writes the text untagged, quotes and block scalars alike; any other tag
   * (`!!str`, a URI) is asked of `yaml` once per tag, text and level.
   */
  private tagged(node: Scalar<string>, level: number): string {
    if (!this.dialect.quotesEveryString && localTag.test(node.tag!)) return `${node.tag} ${this.string(node.value, level)}`;
    return this.remembered(this.taggedTexts, level, `${node.tag}\u0000${node.value}`, () => this.askValue(node, level));
  }

  private number(value: number): string {
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
    if (!Number.isFinite(value)) throw notPlainData;
    const spelling = Object.is(value, -0) ? '-0' : String(value);
    let text = this.numberTexts.get(spelling);
    if (text === undefined) {
      if (this.numberTexts.size >= memoLimit) this.numberTexts.clear();
      text = this.askValue(value, 1);
      this.numberTexts.set(spelling, text);
    }
    return text;
  }

  private key(key: string, level: number): string {
    if (key.length <= longestImplicitKey && isWrittenPlain(key)) return key;
    return this.remembered(this.keyTexts, level, key, () => this.askKey(key, level));
  }

  private remembered(byLevel: Map<string, string>[], level: number, value: string, ask: () => string): string {
    let texts = byLevel[level];
    if (texts === undefined) {
      texts = new Map();
      byLevel[level] = texts;
    }
    let text = texts.get(value);
    if (text === undefined) {
      if (texts.size >= memoLimit) texts.clear();
      text = ask();
      texts.set(value, text);
    }
    return text;
  }

  /** How `yaml` writes this value in a map at `level` (1 for a top-level map's values): nested under `k:` keys to reach the indent. */
  private askValue(value: unknown, level: number): string {
    let data: unknown = { k: value };
    for (let depth = 1; depth < level; depth++) data = { k: data };
    const prefix = `${nestingPrefix(level - 1)}k: `;
    const text = this.reference(data);
    if (!text.startsWith(prefix) || !text.endsWith('\n')) throw notPlainData;
    return text.slice(prefix.length, -1);
  }

  /** How `yaml` writes this key in a map at `level` (0 for the top-level map). */
  private askKey(key: string, level: number): string {
    let data: unknown = { [key]: 0 };
    for (let depth = 0; depth < level; depth++) data = { k: data };
    const prefix = nestingPrefix(level);
    const text = this.reference(data);
    if (!text.startsWith(prefix) || !text.endsWith(': 0\n')) throw notPlainData;
    const keyText = text.slice(prefix.length, -': 0\n'.length);
    // A key over 1024 characters is written as an explicit `? key` over two lines: the whole document goes to `yaml`.
    if (keyText.includes('\n') || keyText.length > longestImplicitKey) throw notPlainData;
    return keyText;
  }

  private reference(data: unknown): string {
    try {
      return this.dialect.stringify(data);
    } catch {
      // A value `yaml` (or the dialect's own rules) refuses: the whole document goes to the reference, which reports it as it always did.
      throw notPlainData;
    }
  }
}

/** A tag written as it is given: `!` and a name, neither a `!!` shorthand nor a URI. */
const localTag = /^![A-Za-z][A-Za-z0-9_-]*$/;

/** Thrown inside a walk to hand the whole document to `yaml`. */
const notPlainData = Symbol('not plain data');

/** Each cache is dropped whole when it reaches this size: a long build sees the same few thousand strings again and again. */
const memoLimit = 4096;

/** `yaml` writes a longer implicit key as an explicit `? key`. */
const longestImplicitKey = 1024;

/**
 * Strings `yaml` writes plain in block context under the core schema and YAML 1.1 alike: a letter,
 * `_`, `/`, `./` or `../` first (no indicator, digit, sign or lone dot that could start a number or
 * a document marker), then printable ASCII where `:` is followed by a character and a space by a
 * character other than `#` (no `: `, ` #`, trailing space or colon, double space), no newline, tab
 * or control character. The indicators `yaml` refuses only at the start (`&`, `*`, `!`, `|`, `>`,
 * quotes, `%`, `@`, backquote) and the flow ones (`[]{},`, refused only inside flow collections,
 * which the writer never writes) are plain text further in.
 */
const plainSafe = /^(?:[A-Za-z_/]|\.\.?\/)(?:[!-"$-9;-~]|#|:(?=[!-~])| (?=[!-"$-~]))*$/;

/** The words, of those `plainSafe` lets through, that a YAML 1.2 or 1.1 reader takes for null, a boolean or (1.1) a float such as `e5`. */
const readAsOtherType = /^(?:[YyNn]|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|[Tt]rue|TRUE|[Ff]alse|FALSE|[Nn]ull|NULL|[Ee][-+]?\d+)$/;

/**
 * Names, paths, images and versions — most of what the writer sees: a subset of `plainSafe` that a
 * regular expression without lookaheads tests several times faster.
 */
const simpleWord = /^[A-Za-z_/][-A-Za-z0-9_./=@+,]*$/;

function isWrittenPlain(text: string): boolean {
  return (simpleWord.test(text) || plainSafe.test(text)) && !readAsOtherType.test(text);
}

/**
 * The pattern `yaml` (2.x, `plainString`) refuses as a plain scalar, whatever the schema: an
 * indicator first, `- ` or `? ` first or alone, `: ` or ` #` anywhere, a space or colon last.
 */
const refusedPlain = /^[\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;

/**
 * One line `yaml` writes double-quoted exactly as `JSON.stringify` spells it: refused as plain (or
 * empty), without `"` (then `yaml` would pick single quotes), `\\` or a character it escapes its own
 * way; folding is off (`lineWidth: 0`).
 */
function isWrittenDoubleQuoted(text: string): boolean {
  return (text === '' || refusedPlain.test(text)) && !text.includes('"') && !text.includes('\\') && !escapedInDoubleQuotes.test(text);
}

/**
 * Characters `yaml` does not leave as `JSON.stringify` spells them inside double quotes (control
 * characters become YAML escapes, a newline may fold the string over lines), or that are better
 * left to it: C1 controls, line and paragraph separators, surrogates.
 */
const escapedInDoubleQuotes = /[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]/;

/** A `Scalar` holding text and a tag and nothing else the writer would have to lay out (a style, a comment, an anchor). */
function isTaggedText(value: object): value is Scalar<string> {
  if (!isScalar(value) || typeof value.value !== 'string' || typeof value.tag !== 'string') return false;
  return value.type === undefined && value.format === undefined && value.anchor === undefined && !value.comment && !value.commentBefore && !value.spaceBefore;
}

function isPlainCollection(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return Array.isArray(value) ? prototype === Array.prototype : prototype === Object.prototype || prototype === null;
}

/**
 * The keys in the order `sortKeysDeep` then `yaml` give them: `undefined` values left out; sorted
 * by code unit when asked, but an object lists integer-like keys first in numeric order whatever
 * the insertion order, so when one is present the sorted keys go through an object too.
 */
function orderKeys(keys: string[], sortKeys: boolean): string[] {
  if (!sortKeys) return keys;
  sortTextInPlace(keys);
  if (keys.some(startsWithDigit)) return Object.keys(Object.fromEntries(keys.map((key) => [key, true])));
  return keys;
}

function startsWithDigit(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57;
}

const indents: string[] = [];

function indent(level: number): string {
  return (indents[level] ??= '  '.repeat(level));
}

/** The text before the innermost map when `levels` maps are nested under `k:` keys. */
function nestingPrefix(levels: number): string {
  let text = '';
  for (let depth = 0; depth < levels; depth++) text += `${indent(depth)}k:\n`;
  return text + indent(levels);
}
