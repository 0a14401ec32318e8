/**
 * The first syntax error of a JSON text (RFC 8259), with its offset, or undefined for valid JSON.
 * `service.json` is read by the YAML parser for its positions, and YAML accepts much that JSON does
 * not (comments, single quotes, bare words, trailing commas): this check comes first, so a file
 * named .json is held to JSON and a mistake in it is reported in JSON's terms at its place.
 * `JSON.parse` cannot serve: its messages carry no position on every Node version.
 */
export function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  // A byte order mark is fine in every input, as in YAML.
  let at = text.startsWith('\uFEFF') ? 1 : 0;
  const fail = (message: string, offset = at): never => {
    throw new JsonSyntax(offset, message);
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const unexpected = (expected: string): never => {
    const found = text[at];
    if (found === undefined) return fail(`the text ends where ${expected} belongs`);
    if (found === '/') return fail('JSON has no comments; remove this one');
    if (found === "'") return fail('JSON strings take double quotes');
    return fail(`${JSON.stringify(found)} where ${expected} belongs`);
  };
  const literal = (word: string) => {
    if (text.startsWith(word, at)) at += word.length;
    else unexpected('a value');
  };
  const string = () => {
    at++;
    for (;;) {
      const char = text[at];
      if (char === undefined) fail('a string that is never closed');
      if (char === '"') break;
      if (char! < ' ') fail('a control character (a line break or tab) inside a string; write it as \\n or \\t');
      if (char === '\\') {
        const escape = text[at + 1];
        if (escape === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(at + 2, at + 6))) fail('\\u takes four hexadecimal digits');
          at += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail(`an unknown escape \\${escape ?? ''}`);
        at += 2;
        continue;
      }
      at++;
    }
    at++;
  };
  const number = () => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at, at + 400));
    if (!match || match[0] === '' || match[0] === '-') unexpected('a value');
    at += match![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 256) fail('nested more than 256 levels deep');
    space();
    const char = text[at];
    if (char === '{') return members(depth, '}', () => {
      if (text[at] !== '"') unexpected(text[at] === '}' ? 'a key (a comma before "}" is one too many)' : 'a key in double quotes');
      string();
      space();
      if (text[at] !== ':') unexpected('":"');
      at++;
      value(depth + 1);
    });
    if (char === '[') return members(depth, ']', () => {
      if (text[at] === ']') unexpected('a value (a comma before "]" is one too many)');
      value(depth + 1);
    });
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number();
    unexpected('a value');
  };
  const members = (_depth: number, close: string, member: () => void) => {
    at++;
    space();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      space();
      member();
      space();
      if (text[at] === ',') {
        at++;
        space();
        continue;
      }
      if (text[at] === close) {
        at++;
        return;
      }
      unexpected(`"," or "${close}"`);
    }
  };
  try {
    value(0);
    space();
    if (at < text.length) unexpected('the end of the file (one JSON value per file)');
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntax) return { offset: error.offset, message: error.message };
    throw error;
  }
}

class JsonSyntax extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}
