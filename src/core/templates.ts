import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Handlebars from 'handlebars';
import { packageRoot } from './paths.js';

let handlebars: typeof Handlebars | undefined;

/**
 * Handlebars for human documents only (READMEs, runbooks, comments). `noEscape` because the output
 * is Markdown, not HTML; values go through `cell`/`inline` helpers that neutralise Markdown instead.
 * Loaded with the first template: its compiler is a large library that `validate` never needs
 * (it is CommonJS, so `require` loads it synchronously).
 */
function engine(): typeof Handlebars {
  if (handlebars) return handlebars;
  handlebars = (createRequire(import.meta.url)('handlebars') as typeof Handlebars).create();
  handlebars.registerHelper('cell', (value: unknown) => escapeMarkdownCell(String(value ?? '')));
  handlebars.registerHelper('inline', (value: unknown) => escapeMarkdownInline(String(value ?? '')));
  handlebars.registerHelper('join', (values: unknown, separator: unknown) => (Array.isArray(values) ? values.map(String).join(typeof separator === 'string' ? separator : ', ') : ''));
  handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  handlebars.registerHelper('shellCommand', (argv: unknown) => (Array.isArray(argv) ? shellLine(argv.map(String)) : ''));
  handlebars.registerHelper('codeSpan', (value: unknown) => markdownCode(String(value ?? '')));
  // Lists written inline, `a, b, c`: one helper call each, where an {{#each}} with {{#unless @last}} costs a block per item.
  handlebars.registerHelper('cellList', (values: unknown) => listOf(values, escapeMarkdownCell));
  handlebars.registerHelper('inlineList', (values: unknown) => listOf(values, escapeMarkdownInline));
  handlebars.registerHelper('codeSpanList', (values: unknown) => listOf(values, markdownCode));
  return handlebars;
}

const knownHelpers = { cell: true, inline: true, join: true, eq: true, shellCommand: true, codeSpan: true, cellList: true, inlineList: true, codeSpanList: true } as const;

function listOf(values: unknown, write: (text: string) => string): string {
  return Array.isArray(values) ? values.map((value) => write(String(value ?? ''))).join(', ') : '';
}

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** A template by its path inside the Slipway package (e.g. `generators/readme/README.md.hbs`), compiled once per process. */
export function template(path: string): Handlebars.TemplateDelegate {
  const key = path;
  let compiled = cache.get(key);
  if (!compiled) {
    const text = readFileSync(join(packageRoot(), ...path.split('/')), 'utf8');
    // Every helper is known, so the compiler calls them directly instead of looking each name up at every use.
    compiled = engine().compile(text, { noEscape: true, strict: true, knownHelpers, knownHelpersOnly: true });
    cache.set(key, compiled);
  }
  return compiled;
}

export function escapeMarkdownInline(text: string): string {
  // Most values (names, versions, paths) hold nothing to escape: they are returned as they are.
  if (!markdownSpecial.test(text)) return text;
  // A lone CR ends a line in Markdown as surely as LF does.
  return text.replace(/[\\`*_{}[\]<>()#+!|~]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, ' ');
}

const markdownSpecial = /[\\`*_{}[\]<>()#+!|~\r\n]/;

export function escapeMarkdownCell(text: string): string {
  return escapeMarkdownInline(text);
}

/**
 * An argv as one POSIX shell line for a fenced code block: plain words bare, others single-quoted,
 * line breaks and control characters as bash `$'\\xHH'` escapes, so a value can never start a new
 * line (and so never close the fence) nor be read as shell syntax.
 */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  if (!/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(word)) return `'${word.replace(/'/g, "'\\''")}'`;
  const escaped = [...word]
    .map((c) => {
      const code = c.codePointAt(0)!;
      if (c === '\\' || c === "'") return `\\${c}`;
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      if ((code >= 0x80 && code <= 0x9f) || code === 0x2028 || code === 0x2029) return `\\u${code.toString(16).padStart(4, '0')}`;
      return c;
    })
    .join('');
  return `$'${escaped}'`;
}

/** An inline code span on one line, fenced by more backticks than the text holds. Not for table cells (a pipe still splits them). */
export function markdownCode(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
