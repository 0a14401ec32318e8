import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/tree.js';

const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
const section = (title: string) => {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, title).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
};
const codesIn = (text: string) => new Set([...text.matchAll(/`([a-z][a-z0-9]*(?:-[a-z0-9]+)+|blocked)`/g)].map((match) => match[1]!));

function sourceText(dir: string): string {
  let text = '';
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) text += sourceText(path);
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) text += readFileSync(path, 'utf8');
  }
  return text;
}

describe('README troubleshooting', () => {
  const rows = [...section('Troubleshooting').matchAll(/^\| `([a-z0-9-]+)`/gm)].map((match) => match[1]!);

  it('has one line for every finding code the README documents', () => {
    // Names that appear in backticks in the codes section without being codes.
    const notCodes = new Set(['ai-gateway']);
    const documented = [...codesIn(section('Finding codes'))].filter((code) => !notCodes.has(code));
    expect(documented.filter((code) => !rows.includes(code))).toEqual([]);
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('lists only codes Slipway can report', () => {
    const source = sourceText(join(repositoryRoot, 'src')) + sourceText(join(repositoryRoot, 'generators'));
    expect(rows.filter((code) => !source.includes(`'${code}'`) && !source.includes(`${code}:`))).toEqual([]);
  });

  it('compares with the tools a platform team already knows', () => {
    const compares = section('How Slipway compares');
    for (const tool of ['Helmfile', 'Kustomize', 'Flux', 'Argo CD', 'Kapitan', 'Score', 'Timoni']) expect(compares).toContain(`| ${tool} |`);
  });
});
