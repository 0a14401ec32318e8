import { parse } from '@cdktf/hcl2json';

/**
 * HCL expression text that HashiCorp's parser (@cdktf/hcl2json) hands back unparsed:
 * `secret_string = jsonencode({ host = aws_db_instance.db.address })` comes out of hcl2json as the
 * string "${jsonencode({ host = aws_db_instance.db.address })}". The scanners here only find where
 * such text begins and ends (`${…}` interpolations, one call's argument) and which named things it
 * refers to; turning it into data is left to the parser itself (`hclValues`), which makes object and
 * tuple constructors JSON and keeps anything else (a reference, a call, a conditional, a for
 * expression) as the string `${<its source text>}`.
 */

const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Just past the end of a quoted string whose opening quote is before `from`; its own `${…}`/`%{…}` sequences are skipped whole. -1 when the text ends first. */
function stringEnd(text: string, from: number): number {
  for (let position = from; position < text.length; ) {
    const char = text[position]!;
    position += 1;
    if (char === '"') return position;
    if (char === '\\') position += 1;
    else if ((char === '$' || char === '%') && text[position] === '{') {
      position = closing(text, position + 1, '}');
      if (position < 0) return -1;
    }
  }
  return -1;
}

/** Just past the `close` that matches an opener before `from`, minding strings, comments and nesting; -1 when the text ends first. */
function closing(text: string, from: number, close: string): number {
  for (let position = from; position < text.length; ) {
    const char = text[position]!;
    position += 1;
    if (char === close) return position;
    if (char === '"') position = stringEnd(text, position);
    else if (char in pairs) position = closing(text, position, pairs[char]!);
    else if (char === '#' || (char === '/' && text[position] === '/')) {
      const end = text.indexOf('\n', position);
      position = end < 0 ? text.length : end;
    } else if (char === '/' && text[position] === '*') {
      const end = text.indexOf('*/', position + 1);
      position = end < 0 ? text.length : end + 2;
    }
    if (position < 0) return -1;
  }
  return -1;
}

/** The source text inside a string that is exactly one interpolation, `${…}`; undefined otherwise. */
export function interpolationBody(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('${') || !value.endsWith('}')) return undefined;
  return closing(value, 2, '}') === value.length ? value.slice(2, -1).trim() : undefined;
}

/** The argument's text of a value that is exactly one call `${fn(…)}`; undefined for anything else. */
export function callArgumentText(value: unknown, fn: string): string | undefined {
  const body = interpolationBody(value);
  const match = body === undefined ? null : new RegExp(`^${fn}\\s*\\(`).exec(body);
  if (!body || !match) return undefined;
  const end = closing(body, match[0].length, ')');
  return end === body.length ? body.slice(match[0].length, end - 1).trim() : undefined;
}

/** Every `${…}` interpolation in a string (not `$${`, which is a literal `${`), as source text. */
export function interpolations(value: string): string[] {
  const found: string[] = [];
  for (let index = value.indexOf('${'); index >= 0; index = value.indexOf('${', index + 2)) {
    if (index > 0 && value[index - 1] === '$') continue;
    const end = closing(value, index + 2, '}');
    if (end < 0) continue;
    found.push(value.slice(index + 2, end - 1).trim());
    index = end - 2;
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

/** Expression texts as data, as HashiCorp's parser reads each one as an attribute's value; one parse for them all. */
export async function hclValues(expressions: readonly string[]): Promise<unknown[]> {
  if (expressions.length === 0) return [];
  const source = expressions.map((text, index) => `value_${index} = ${text}\n`).join('');
  const json = (await parse('expressions.tf', source)) as Record<string, unknown>;
  return expressions.map((_, index) => json[`value_${index}`]);
}
