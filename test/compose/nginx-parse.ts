/**
 * A reader for nginx configuration syntax, written from nginx's own rules (ngx_conf_file.c):
 * words, quoted strings with `\"`, `\'`, `\\`, `\t`, `\r`, `\n` escapes, `#` comments, `;`, and
 * blocks. The tests use it to check the real file's structure; `nginx -t` checks its meaning.
 */
export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
}

export function parseNginx(text: string): Directive[] {
  let i = 0;
  const token = (): { kind: 'word' | ';' | '{' | '}' | 'end'; value: string } => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i += 1;
      if (text[i] === '#') {
        while (i < text.length && text[i] !== '\n') i += 1;
        continue;
      }
      break;
    }
    if (i >= text.length) return { kind: 'end', value: '' };
    const c = text[i]!;
    if (c === ';' || c === '{' || c === '}') {
      i += 1;
      return { kind: c, value: c };
    }
    if (c === '"' || c === "'") {
      i += 1;
      let value = '';
      while (text[i] !== c) {
        if (i >= text.length) throw new Error('unterminated string');
        if (text[i] === '\\' && i + 1 < text.length) {
          const next = text[i + 1]!;
          const escapes: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', t: '\t', r: '\r', n: '\n' };
          value += escapes[next] ?? `\\${next}`;
          i += 2;
        } else {
          value += text[i];
          i += 1;
        }
      }
      i += 1;
      return { kind: 'word', value };
    }
    let value = '';
    while (i < text.length && !/[\s;{}]/.test(text[i]!)) {
      value += text[i];
      i += 1;
    }
    return { kind: 'word', value };
  };
  const block = (nested: boolean): Directive[] => {
    const out: Directive[] = [];
    for (;;) {
      const first = token();
      if (first.kind === 'end') {
        if (nested) throw new Error('unexpected end of file');
        return out;
      }
      if (first.kind === '}') {
        if (!nested) throw new Error('unexpected }');
        return out;
      }
      if (first.kind !== 'word') throw new Error(`unexpected ${first.kind}`);
      const args: string[] = [];
      for (;;) {
        const next = token();
        if (next.kind === 'word') args.push(next.value);
        else if (next.kind === ';') {
          out.push({ name: first.value, args });
          break;
        } else if (next.kind === '{') {
          out.push({ name: first.value, args, block: block(true) });
          break;
        } else throw new Error(`unexpected ${next.kind} after ${first.value}`);
      }
    }
  };
  return block(false);
}

export function find(directives: readonly Directive[], name: string): Directive[] {
  return directives.filter((directive) => directive.name === name);
}
