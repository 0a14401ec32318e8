import type { PlainNode } from '../model/index.js';
import { forbiddenCharacter } from './input-limits.js';
import type { PlainYaml } from './plain-yaml.js';

/**
 * A reader for JSON inputs (service.json) that returns the same data as `yaml` does for the same
 * text, with the start of every node, without building a YAML document: in a one-environment
 * rebuild, parsing a dozen service files with `yaml` on code that has not warmed up cost more than
 * everything else the load stage did.
 *
 * It takes the text only when `yaml` would read it without a finding: anything else — a repeated
 * key, a control character (escaped or not), a `__proto__` key, a CR, more nodes than the limit,
 * a top-level scalar, a syntax error — returns undefined, and the file goes to `yaml`, which reads it or reports what is
 * wrong with it as before. Strings and numbers are decoded by `JSON.parse`, which for JSON's
 * escapes and number forms gives what YAML 1.2's core schema gives. A property test compares both
 * readers' data and node positions.
 */
export function readPlainJson(text: string, nodeLimit: number): PlainYaml | undefined {
  if (text.includes('\r') || text.charCodeAt(0) === 0xfeff || forbiddenCharacter.test(text)) return undefined;
  try {
    const reader = new JsonReader(text, nodeLimit);
    reader.space();
    // A file of one scalar is no input Slipway takes, and `yaml` reads some (a tab before one) differently.
    if (text[reader.at] !== '{' && text[reader.at] !== '[') return undefined;
    const read = reader.value(0);
    reader.space();
    if (reader.at !== text.length) return undefined;
    return { data: read.data, root: read.node };
  } catch (error) {
    if (error === notPlain) return undefined;
    throw error;
  }
}

class NotPlain extends Error {}
const notPlain = new NotPlain();

/** The end of a JSON number that starts at the match's index (JSON's grammar exactly). */
const numberToken = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class JsonReader {
  at = 0;
  private nodes = 0;

  constructor(
    private readonly text: string,
    private readonly nodeLimit: number,
  ) {}

  space(): void {
    const text = this.text;
    for (;;) {
      const char = text.charCodeAt(this.at);
      // Space, tab, line feed: CR was refused above.
      if (char !== 0x20 && char !== 0x09 && char !== 0x0a) return;
      this.at++;
    }
  }

  value(depth: number): { data: unknown; node: PlainNode } {
    if (depth > 256 || ++this.nodes > this.nodeLimit) throw notPlain;
    this.space();
    const start = this.at;
    const char = this.text[start];
    if (char === '{') return this.mapping(depth, start);
    if (char === '[') return this.sequence(depth, start);
    if (char === '"') return { data: this.string(), node: { kind: 'scalar', start } };
    for (const [word, data] of literals) {
      if (this.text.startsWith(word, start)) {
        this.at += word.length;
        return { data, node: { kind: 'scalar', start } };
      }
    }
    numberToken.lastIndex = start;
    const number = numberToken.exec(this.text);
    if (!number) throw notPlain;
    this.at += number[0].length;
    return { data: Number(number[0]), node: { kind: 'scalar', start } };
  }

  private mapping(depth: number, start: number): { data: unknown; node: PlainNode } {
    const data: Record<string, unknown> = {};
    const pairs = new Map<string, { keyStart: number; value: PlainNode }>();
    this.members('}', () => {
      if (this.text[this.at] !== '"') throw notPlain;
      const keyStart = this.at;
      // A key is a node of its own to `yaml`, counted against the limit like any other.
      if (++this.nodes > this.nodeLimit) throw notPlain;
      const key = this.string();
      // A repeated key is a finding, and `__proto__` is one `yaml` sets another way: both go to `yaml`.
      if (pairs.has(key) || key === '__proto__') throw notPlain;
      this.space();
      if (this.text[this.at] !== ':') throw notPlain;
      this.at++;
      const value = this.value(depth + 1);
      data[key] = value.data;
      pairs.set(key, { keyStart, value: value.node });
    });
    return { data, node: { kind: 'map', start, pairs } };
  }

  private sequence(depth: number, start: number): { data: unknown; node: PlainNode } {
    const data: unknown[] = [];
    const items: PlainNode[] = [];
    this.members(']', () => {
      const item = this.value(depth + 1);
      data.push(item.data);
      items.push(item.node);
    });
    return { data, node: { kind: 'seq', start, items } };
  }

  /** The members of a collection whose opening bracket is at `at`, up to and past `close`. */
  private members(close: string, member: () => void): void {
    this.at++;
    this.space();
    if (this.text[this.at] === close) {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      member();
      this.space();
      const char = this.text[this.at];
      this.at++;
      if (char === close) return;
      if (char !== ',') throw notPlain;
    }
  }

  /** A string token starting at `at` (its opening quote), decoded; the decoded text may not hold a control character. */
  private string(): string {
    const text = this.text;
    let end = this.at + 1;
    for (;;) {
      const char = text.charCodeAt(end);
      if (Number.isNaN(char) || char < 0x20) throw notPlain;
      if (char === 0x22) break;
      end += char === 0x5c ? 2 : 1;
    }
    const token = text.slice(this.at, end + 1);
    this.at = end + 1;
    let decoded: string;
    try {
      decoded = JSON.parse(token) as string;
    } catch {
      throw notPlain;
    }
    if (token.includes('\\') && forbiddenCharacter.test(decoded)) throw notPlain;
    return decoded;
  }
}

const literals: ReadonlyArray<readonly [string, unknown]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];
