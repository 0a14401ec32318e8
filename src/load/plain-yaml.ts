import type { PlainNode } from '../model/index.js';
import { forbiddenCharacter } from './input-limits.js';

/**
 * A reader for the YAML people write by hand in environment files, that returns the same data as
 * `yaml` does, with the start of every node, at a fraction of the cost: parsing a fleet's
 * environment files with `yaml` (a CST, then a Document) was most of what loading it cost.
 *
 * It reads block mappings and sequences, flow mappings and sequences on one line, single- and
 * double-quoted scalars on one line, plain scalars on one line, and comments, with plain scalars
 * resolved as YAML 1.2's core schema does. Anything else — anchors, aliases, tags, block scalars,
 * multi-line scalars or flow collections, keys that are not plain names, numbers in any but the
 * plainest form, tabs, CR, repeated keys, a control character — is not guessed at: `readPlainYaml`
 * returns undefined and the file goes to `yaml`, which reads it (or reports what is wrong with it)
 * as before. A property test compares both readers' data and node positions.
 */

export interface PlainYaml {
  data: unknown;
  root: PlainNode;
}

/** A mapping key this reader takes: a plain name, never one YAML would read as null, a boolean or a number. */
const plainKey = /^[A-Za-z_][A-Za-z0-9_./-]*/;
const specialWords = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
const plainInteger = /^-?(?:0|[1-9][0-9]{0,14})$/;
const plainDecimal = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
/** Every scalar YAML 1.2's core schema reads as a number (yaml's own tests, joined). */
const coreNumber = /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;
/** A plain scalar may not start with an indicator; `-` and `.` start numbers or odd strings, left to `yaml`. */
const unsafeStart = /^[-?:,[\]{}#&*!|>'"%@`.+~\s]/;

class NotPlain extends Error {}
const notPlain = new NotPlain();

interface Line {
  /** Offset of the line's first character in the text. */
  start: number;
  /** Offset of its first non-space character. */
  content: number;
  /** Offset just past its last character (before the newline). */
  end: number;
}

/** The data and node positions of `text`, or undefined when it is not in the form this reader takes. */
/** `nodeLimit`: past so many keys, items and values the file goes to `yaml`, which reports it. */
export function readPlainYaml(text: string, nodeLimit: number): PlainYaml | undefined {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff || forbiddenCharacter.test(text)) return undefined;
  try {
    return new PlainReader(text, nodeLimit).document();
  } catch (error) {
    if (error === notPlain) return undefined;
    throw error;
  }
}

class PlainReader {
  private readonly lines: Line[] = [];
  private next = 0;
  private nodes = 0;

  constructor(
    private readonly text: string,
    private readonly nodeLimit: number,
  ) {
    for (let start = 0; start <= text.length; ) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      let content = start;
      while (content < end && text.charCodeAt(content) === 32) content++;
      // Blank lines and whole-line comments carry nothing.
      if (content < end && text[content] !== '#') this.lines.push({ start, content, end });
      start = end + 1;
    }
  }

  document(): PlainYaml {
    const first = this.lines[0];
    if (!first || first.content !== first.start) throw notPlain;
    const text = this.text.slice(first.content, first.end);
    if (text.startsWith('---') || text.startsWith('...') || text.startsWith('%')) throw notPlain;
    const { data, node } = this.isDash(first) ? this.blockSequence(0) : this.blockMapping(0);
    if (this.next < this.lines.length) throw notPlain;
    return { data, root: node };
  }

  private count(): void {
    if (++this.nodes > this.nodeLimit) throw notPlain;
  }

  private indentOf(line: Line): number {
    return line.content - line.start;
  }

  /** The mapping whose keys start at column `indent`, from the next line on. */
  private blockMapping(indent: number, firstKeyAt?: number): { data: Record<string, unknown>; node: PlainNode } {
    const data: Record<string, unknown> = {};
    const pairs = new Map<string, { keyStart: number; value: PlainNode }>();
    const node: PlainNode = { kind: 'map', start: firstKeyAt ?? this.lines[this.next]!.content, pairs };
    this.count();
    let keyAt = firstKeyAt;
    for (;;) {
      let line: Line;
      if (keyAt === undefined) {
        const candidate = this.lines[this.next];
        if (!candidate || this.indentOf(candidate) < indent) break;
        if (this.indentOf(candidate) > indent) throw notPlain;
        line = candidate;
        keyAt = line.content;
      } else {
        line = this.lines[this.next]!;
      }
      this.next++;
      const { key, valueAt } = this.key(keyAt, line.end);
      if (pairs.has(key) || key === '__proto__') throw notPlain;
      this.count();
      let value: { data: unknown; node: PlainNode };
      if (valueAt === line.end || this.text[valueAt] === '#') value = this.nestedBlock(indent);
      else {
        value = this.inlineValue(valueAt, line.end);
        // A more indented line after an inline value continues it (or is an error): `yaml` decides.
        const after = this.lines[this.next];
        if (after && this.indentOf(after) > indent) throw notPlain;
      }
      data[key] = value.data;
      pairs.set(key, { keyStart: keyAt, value: value.node });
      keyAt = undefined;
    }
    return { data, node };
  }

  /** What follows `key:` at the end of a line: a mapping indented further, or a sequence (indented, or at the key's column). */
  private nestedBlock(indent: number): { data: unknown; node: PlainNode } {
    const line = this.lines[this.next];
    if (!line) throw notPlain;
    const column = this.indentOf(line);
    const dash = this.isDash(line);
    if (dash && column >= indent) return this.blockSequence(column);
    if (!dash && column > indent) return this.blockMapping(column);
    // `key:` alone is null, or an error: left to `yaml`.
    throw notPlain;
  }

  private isDash(line: Line): boolean {
    return this.text[line.content] === '-' && (line.content + 1 === line.end || this.text[line.content + 1] === ' ');
  }

  private blockSequence(indent: number): { data: unknown[]; node: PlainNode } {
    const data: unknown[] = [];
    const items: PlainNode[] = [];
    const node: PlainNode = { kind: 'seq', start: this.lines[this.next]!.content, items };
    this.count();
    for (;;) {
      const line = this.lines[this.next];
      if (!line || this.indentOf(line) < indent) break;
      if (this.indentOf(line) > indent || !this.isDash(line)) {
        // A key at the sequence's own column ends a sequence nested at its mapping's column.
        break;
      }
      let itemAt = line.content + 1;
      while (itemAt < line.end && this.text.charCodeAt(itemAt) === 32) itemAt++;
      if (itemAt === line.end || this.text[itemAt] === '#' || this.text[itemAt] === '-') throw notPlain;
      let item: { data: unknown; node: PlainNode };
      if (this.startsMappingKey(itemAt, line.end)) {
        // `- key: value`: a mapping whose keys line up with this first one.
        item = this.blockMapping(itemAt - line.start, itemAt);
      } else {
        this.next++;
        item = this.inlineValue(itemAt, line.end);
        const after = this.lines[this.next];
        if (after && this.indentOf(after) > indent) throw notPlain;
      }
      data.push(item.data);
      items.push(item.node);
    }
    // A sequence at its mapping's column is followed by that mapping's next key, or by less indented lines.
    return { data, node };
  }

  private startsMappingKey(at: number, end: number): boolean {
    const quote = this.text[at];
    if (quote === '"' || quote === "'") {
      const close = this.text.indexOf(quote, at + 1);
      return close > 0 && close < end && this.text[close + 1] === ':';
    }
    const match = plainKey.exec(this.text.slice(at, end));
    return match !== null && this.text[at + match[0].length] === ':' && (at + match[0].length + 1 === end || this.text[at + match[0].length + 1] === ' ');
  }

  /** A mapping key at `at` and its `:`; returns where its value starts (after the blanks), or `end`. */
  private key(at: number, end: number): { key: string; valueAt: number } {
    let key: string;
    let after: number;
    const quote = this.text[at];
    if (quote === '"' || quote === "'") {
      const scalar = this.quoted(at, end);
      key = scalar.value;
      after = scalar.end;
    } else {
      const match = plainKey.exec(this.text.slice(at, end));
      if (!match || specialWords.test(match[0])) throw notPlain;
      key = match[0];
      after = at + key.length;
    }
    if (this.text[after] !== ':') throw notPlain;
    after++;
    if (after < end && this.text[after] !== ' ') throw notPlain;
    while (after < end && this.text.charCodeAt(after) === 32) after++;
    return { key, valueAt: after };
  }

  /** A value that starts and ends on this line, followed by nothing but blanks and a comment. */
  private inlineValue(at: number, end: number): { data: unknown; node: PlainNode } {
    const char = this.text[at];
    let value: { data: unknown; node: PlainNode; end: number };
    if (char === '{' || char === '[') value = this.flow(at, end);
    else if (char === '"' || char === "'") {
      const scalar = this.quoted(at, end);
      this.count();
      value = { data: scalar.value, node: { kind: 'scalar', start: at }, end: scalar.end };
    } else {
      let stop = this.text.indexOf(' #', at);
      if (stop < 0 || stop > end) stop = end;
      let last = stop;
      while (last > at && this.text.charCodeAt(last - 1) === 32) last--;
      const source = this.text.slice(at, last);
      if (source.includes(': ') || source.endsWith(':')) throw notPlain;
      this.count();
      return { data: plainScalar(source), node: { kind: 'scalar', start: at } };
    }
    this.trailer(value.end, end);
    return value;
  }

  /** After a value: blanks, then a comment (after at least one blank) or the end of the line. */
  private trailer(at: number, end: number): void {
    let position = at;
    while (position < end && this.text.charCodeAt(position) === 32) position++;
    if (position === end) return;
    if (this.text[position] === '#' && position > at) return;
    throw notPlain;
  }

  /** A flow mapping or sequence closed on this line. */
  private flow(at: number, end: number): { data: unknown; node: PlainNode; end: number } {
    this.count();
    const mapping = this.text[at] === '{';
    const close = mapping ? '}' : ']';
    let position = this.skipBlanks(at + 1, end);
    const data: unknown = mapping ? {} : [];
    const pairs = new Map<string, { keyStart: number; value: PlainNode }>();
    const items: PlainNode[] = [];
    if (this.text[position] === close) return { data, node: mapping ? { kind: 'map', start: at, pairs } : { kind: 'seq', start: at, items }, end: position + 1 };
    for (;;) {
      if (mapping) {
        const keyStart = position;
        const { key, valueAt } = this.key(position, end);
        if (pairs.has(key) || key === '__proto__') throw notPlain;
        this.count();
        const value = this.flowValue(valueAt, end);
        (data as Record<string, unknown>)[key] = value.data;
        pairs.set(key, { keyStart, value: value.node });
        position = value.end;
      } else {
        const value = this.flowValue(position, end);
        (data as unknown[]).push(value.data);
        items.push(value.node);
        position = value.end;
      }
      position = this.skipBlanks(position, end);
      const char = this.text[position];
      if (char === close) return { data, node: mapping ? { kind: 'map', start: at, pairs } : { kind: 'seq', start: at, items }, end: position + 1 };
      if (char !== ',') throw notPlain;
      position = this.skipBlanks(position + 1, end);
      // A trailing comma, or an empty entry: left to `yaml`.
      if (this.text[position] === close || this.text[position] === ',') throw notPlain;
    }
  }

  private flowValue(at: number, end: number): { data: unknown; node: PlainNode; end: number } {
    const char = this.text[at];
    if (char === '{' || char === '[') return this.flow(at, end);
    if (char === '"' || char === "'") {
      const scalar = this.quoted(at, end);
      this.count();
      // A quoted key of an implicit pair (`["a": b]`) is left to `yaml`.
      if (this.text[scalar.end] === ':') throw notPlain;
      return { data: scalar.value, node: { kind: 'scalar', start: at }, end: scalar.end };
    }
    let position = at;
    while (position < end && !',[]{}'.includes(this.text[position]!)) {
      if (this.text[position] === '#' || (this.text[position] === ':' && (position + 1 === end || ' ,[]{}'.includes(this.text[position + 1]!)))) throw notPlain;
      position++;
    }
    let last = position;
    while (last > at && this.text.charCodeAt(last - 1) === 32) last--;
    if (last === at) throw notPlain;
    this.count();
    return { data: plainScalar(this.text.slice(at, last)), node: { kind: 'scalar', start: at }, end: position };
  }

  private skipBlanks(at: number, end: number): number {
    let position = at;
    while (position < end && this.text.charCodeAt(position) === 32) position++;
    return position;
  }

  /** A single- or double-quoted scalar closed on this line, with the escapes JSON also has. */
  private quoted(at: number, end: number): { value: string; end: number } {
    const quote = this.text[at]!;
    let value = '';
    let position = at + 1;
    for (;;) {
      if (position >= end) throw notPlain;
      const char = this.text[position]!;
      if (char === quote) {
        if (quote === "'" && this.text[position + 1] === "'") {
          value += "'";
          position += 2;
          continue;
        }
        break;
      }
      if (char === '\\' && quote === '"') {
        const escape = this.text[position + 1];
        const simple = escape === undefined ? undefined : simpleEscapes[escape];
        if (simple !== undefined) {
          value += simple;
          position += 2;
          continue;
        }
        if (escape === 'u' && /^[0-9A-Fa-f]{4}$/.test(this.text.slice(position + 2, position + 6))) {
          value += String.fromCharCode(parseInt(this.text.slice(position + 2, position + 6), 16));
          position += 6;
          continue;
        }
        throw notPlain;
      }
      value += char;
      position++;
    }
    // An escape may spell a character no input may hold: the full parse reports it.
    if (forbiddenCharacter.test(value) || /[\ud800-\udfff]/.test(value)) throw notPlain;
    return { value, end: position + 1 };
  }
}

const simpleEscapes: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t' };

/** A plain scalar as YAML 1.2's core schema resolves it; undecided forms go to `yaml`. */
function plainScalar(source: string): unknown {
  if (source === '' || unsafeStart.test(source)) throw notPlain;
  if (specialWords.test(source)) {
    if (source === '~' || source.toLowerCase() === 'null') return null;
    return source.toLowerCase() === 'true';
  }
  if (plainInteger.test(source) || plainDecimal.test(source)) return Number(source);
  // Any other number of the core schema (octal, hex, exponents, a leading zero, .inf) is `yaml`'s to read.
  if (coreNumber.test(source)) throw notPlain;
  return source;
}
