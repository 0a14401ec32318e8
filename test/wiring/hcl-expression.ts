/**
 * Reads the inside of HCL expressions that HashiCorp's parser (@cdktf/hcl2json) hands back as text:
 * `secret_string = jsonencode({ host = aws_db_instance.db.address })` comes out of hcl2json as the
 * string "${jsonencode({ host = aws_db_instance.db.address })}". This turns such text into data the
 * way hcl2json turns attributes into JSON: literals become values, and anything that is not a
 * literal (a reference, a function call, a conditional, a for expression) stays as the string
 * `${<its source text>}`. It covers what Slipway's HCL writer (src/core/hcl) can write.
 */

export type HclValue = string | number | boolean | null | HclValue[] | { [key: string]: HclValue };

const closers = new Set([',', '}', ']', ')']);

class Reader {
  position = 0;
  constructor(readonly text: string) {}

  peek(offset = 0): string {
    return this.text[this.position + offset] ?? '';
  }

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  fail(message: string): never {
    throw new Error(`${message} at offset ${this.position} of ${JSON.stringify(this.text.slice(0, 200))}`);
  }

  /** Spaces, tabs, comments, and newlines too unless `newlines` is false. */
  skip(newlines = true): void {
    for (;;) {
      const char = this.peek();
      if (char === ' ' || char === '\t' || char === '\r' || (newlines && char === '\n')) this.position += 1;
      else if (char === '#' || (char === '/' && this.peek(1) === '/')) {
        while (!this.atEnd() && this.peek() !== '\n') this.position += 1;
      } else if (char === '/' && this.peek(1) === '*') {
        const end = this.text.indexOf('*/', this.position + 2);
        this.position = end < 0 ? this.text.length : end + 2;
      } else return;
    }
  }

  expect(char: string): void {
    this.skip();
    if (this.peek() !== char) this.fail(`expected "${char}"`);
    this.position += 1;
  }

  identifier(): string {
    const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.position));
    if (!match) this.fail('expected an identifier');
    this.position += match[0].length;
    return match[0];
  }

  /** A quoted string: escapes decoded, template sequences (`${…}`, `%{…}`) kept as they are written. */
  quoted(): string {
    if (this.peek() !== '"') this.fail('expected a string');
    this.position += 1;
    let out = '';
    for (;;) {
      const char = this.peek();
      if (char === '') this.fail('unterminated string');
      this.position += 1;
      if (char === '"') return out;
      if (char === '\\') {
        const escape = this.peek();
        this.position += 1;
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (escape in simple) out += simple[escape];
        else if (escape === 'u' || escape === 'U') {
          const width = escape === 'u' ? 4 : 8;
          out += String.fromCodePoint(parseInt(this.text.slice(this.position, this.position + width), 16));
          this.position += width;
        } else this.fail(`unknown escape \\${escape}`);
      } else if ((char === '$' || char === '%') && this.peek() === '{') {
        const start = this.position - 1;
        this.position += 1;
        this.balanced('}');
        out += this.text.slice(start, this.position);
      } else out += char;
    }
  }

  /** Skips to just past the `close` that matches an already-consumed opener, minding strings and nesting. */
  balanced(close: string): void {
    const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
    for (;;) {
      const char = this.peek();
      if (char === '') this.fail(`missing "${close}"`);
      if (char === '"') {
        this.quoted();
        continue;
      }
      this.position += 1;
      if (char === close) return;
      if (char in pairs) this.balanced(pairs[char]!);
    }
  }

  /** Raw source of a non-literal expression from `start`, up to the separator that ends it. */
  rawFrom(start: number, inObject: boolean): string {
    this.position = start;
    const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
    for (;;) {
      const char = this.peek();
      if (char === '' || closers.has(char) || (inObject && char === '\n') || char === '#' || (char === '/' && /[/*]/.test(this.peek(1)))) break;
      if (char === '"') {
        this.quoted();
        continue;
      }
      this.position += 1;
      if (char in pairs) this.balanced(pairs[char]!);
    }
    return `\${${this.text.slice(start, this.position).trim()}}`;
  }

  value(inObject: boolean): HclValue {
    this.skip();
    const start = this.position;
    const char = this.peek();
    let literal: HclValue;
    if (char === '"') literal = this.quoted();
    else if (char === '[' && !/^\[\s*for\s/.test(this.text.slice(start))) literal = this.tuple();
    else if (char === '{' && !/^\{\s*for\s/.test(this.text.slice(start))) literal = this.object();
    else if (/[-0-9]/.test(char) && /^-?[0-9]/.test(this.text.slice(start))) {
      const match = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(this.text.slice(start))!;
      this.position += match[0].length;
      literal = Number(match[0]);
    } else if (/^(true|false|null)(?![A-Za-z0-9_-])/.test(this.text.slice(start))) {
      const word = this.identifier();
      literal = word === 'null' ? null : word === 'true';
    } else return this.rawFrom(start, inObject);
    // A literal followed by an operator (`"a" == b ? …`) is an expression after all.
    this.skip(false);
    const next = this.peek();
    if (next === '' || closers.has(next) || next === '\n') return literal;
    return this.rawFrom(start, inObject);
  }

  tuple(): HclValue[] {
    this.expect('[');
    const items: HclValue[] = [];
    for (;;) {
      this.skip();
      if (this.peek() === ']') {
        this.position += 1;
        return items;
      }
      items.push(this.value(false));
      this.skip();
      if (this.peek() === ',') this.position += 1;
      else if (this.peek() !== ']') this.fail('expected "," or "]"');
    }
  }

  object(): { [key: string]: HclValue } {
    this.expect('{');
    const object: { [key: string]: HclValue } = {};
    for (;;) {
      this.skip();
      if (this.peek() === '}') {
        this.position += 1;
        return object;
      }
      let key: string;
      if (this.peek() === '"') key = this.quoted();
      else if (this.peek() === '(') {
        const start = this.position;
        this.position += 1;
        this.balanced(')');
        key = `\${${this.text.slice(start, this.position)}}`;
      } else key = this.identifier();
      this.skip(false);
      if (this.peek() !== '=' && this.peek() !== ':') this.fail('expected "=" or ":"');
      this.position += 1;
      object[key] = this.value(true);
      this.skip(false);
      if (this.peek() === ',') this.position += 1;
    }
  }
}

/** One HCL expression's text as data; anything not literal stays `${…}` text. */
export function parseHclExpression(text: string): HclValue {
  const reader = new Reader(text);
  const value = reader.value(false);
  reader.skip();
  if (!reader.atEnd()) reader.fail('text after the expression');
  return value;
}

/** The source text inside a string that is exactly one interpolation, `${…}`; undefined otherwise. */
export function interpolationBody(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('${') || !value.endsWith('}')) return undefined;
  const reader = new Reader(value);
  reader.position = 2;
  try {
    reader.balanced('}');
  } catch {
    return undefined;
  }
  return reader.position === value.length ? value.slice(2, -1).trim() : undefined;
}

/** `name(args…)` of an expression that is exactly one function call (as text or `${…}`), with its arguments as data. */
export function functionCall(expression: unknown): { name: string; args: HclValue[] } | undefined {
  const text = interpolationBody(expression) ?? (typeof expression === 'string' ? expression : undefined);
  const match = text === undefined ? null : /^([A-Za-z_][A-Za-z0-9_:]*)\s*\(/.exec(text);
  if (!text || !match) return undefined;
  const reader = new Reader(text);
  reader.position = match[0].length;
  const args: HclValue[] = [];
  try {
    for (;;) {
      reader.skip();
      if (reader.peek() === ')') {
        reader.position += 1;
        break;
      }
      args.push(reader.value(false));
      reader.skip();
      if (reader.peek() === ',') reader.position += 1;
      else if (reader.peek() !== ')') return undefined;
    }
    reader.skip();
    return reader.atEnd() ? { name: match[1]!, args } : undefined;
  } catch {
    return undefined;
  }
}

/** What `jsonencode(x)` encodes, as data; undefined when the value is not a jsonencode call. */
export function jsonencoded(expression: unknown): HclValue | undefined {
  const call = functionCall(expression);
  return call?.name === 'jsonencode' && call.args.length === 1 ? call.args[0] : undefined;
}

/** Every `${…}` interpolation in a string (not `$${`, which is a literal `${`), as source text. */
export function interpolations(value: string): string[] {
  const found: string[] = [];
  for (let index = value.indexOf('${'); index >= 0; index = value.indexOf('${', index + 2)) {
    if (index > 0 && value[index - 1] === '$') continue;
    const reader = new Reader(value);
    reader.position = index + 2;
    try {
      reader.balanced('}');
    } catch {
      continue;
    }
    found.push(value.slice(index + 2, reader.position - 1).trim());
    index = reader.position - 2;
  }
  return found;
}

/** Named things an expression refers to: `aws_x.name`, `data.aws_x.name`, `var.name`, `local.name`, `module.name`. */
export function references(expressionText: string): string[] {
  // String literals inside the expression are text, except their own interpolations.
  const code = expressionText.replace(/"(?:[^"\\]|\\.)*"/g, (literal) => interpolations(literal).map((inner) => ` ${inner} `).join(' '));
  const found = new Set<string>();
  const pattern = /(?<![A-Za-z0-9_.-])((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*|(?:var|local|module)\.[A-Za-z_][A-Za-z0-9_-]*)/g;
  for (const match of code.matchAll(pattern)) found.add(match[1]!);
  return [...found].sort();
}
