import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../paths.js';

/**
 * Handlebars for human documents only (READMEs, runbooks, comments). `noEscape` because the output
 * is Markdown, not HTML; values go through `cell`/`inline` helpers that neutralise Markdown instead.
 */
const handlebars = Handlebars.create();

handlebars.registerHelper('cell', (value: unknown) => escapeMarkdownCell(String(value ?? '')));
handlebars.registerHelper('inline', (value: unknown) => escapeMarkdownInline(String(value ?? '')));
handlebars.registerHelper('join', (values: unknown, separator: unknown) => (Array.isArray(values) ? values.map(String).join(typeof separator === 'string' ? separator : ', ') : ''));
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** A template by its path inside the Slipway package (e.g. `generators/readme/README.md.hbs`), compiled once per process. */
export function template(path: string): Handlebars.TemplateDelegate {
  const key = path;
  let compiled = cache.get(key);
  if (!compiled) {
    const text = readFileSync(join(packageRoot(), ...path.split('/')), 'utf8');
    compiled = handlebars.compile(text, { noEscape: true, strict: true });
    cache.set(key, compiled);
  }
  return compiled;
}

export function escapeMarkdownInline(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|~]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

export function escapeMarkdownCell(text: string): string {
  return escapeMarkdownInline(text);
}
