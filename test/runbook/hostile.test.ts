import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProvisioningPlan } from '../../src/model/index.js';
import { generateEnvironment } from '../../src/generate/index.js';
import { validateSourceTree } from '../../src/compile.js';
import { fixturesDir, useTrees } from '../support/tree.js';
import { mermaidBlocks, mermaidProblems } from './mermaid-check.js';

const tree = useTrees();

/**
 * Text that tries to end a table cell, a code fence, a Mermaid label or a line; no lone surrogates
 * (JSON files are UTF-8), and no CR: the source reader refuses it (`control-character`) before any
 * generator could see it.
 */
const hostile = fc
  .array(fc.constantFrom('|', '```', '`', '"', '<script>', ']', '[', '#', '\n', '\u2028', '${HOME}', '$(id)', "'", '\\', '*', '- ', 'é', '🚀', 'x', ' '), { minLength: 1, maxLength: 10 })
  .map((parts) => parts.join(''));

const baseService = JSON.parse(readFileSync(join(fixturesDir, 'minimal', 'services', 'api', 'service.json'), 'utf8')) as Record<string, unknown>;

function render(description: string, argument: string) {
  const service = { ...baseService, description, migrations: { command: ['migrate', argument] }, seed: { command: [argument] } };
  const root = tree({ 'services/api/service.json': JSON.stringify(service) });
  const result = validateSourceTree({ root, now: new Date('2026-11-20T00:00:00Z') });
  const target = result.targets.find((t) => t.name === 'prod')!;
  expect(target.status, JSON.stringify(result.diagnostics.filter((d) => d.severity === 'error'))).toBe('ready');
  return new Map(generateEnvironment(target.model!).filter((file) => file.generator.name === 'runbook').map((file) => [file.path, new TextDecoder().decode(file.bytes)]));
}

/** Cells of a Markdown table row: split at pipes that no backslash escapes. */
function cells(row: string): string[] {
  return row.replace(/\\\\/g, '\u0000').split(/(?<!\\)\|/).slice(1, -1);
}

/** The fenced code blocks of a Markdown document (fence lines of three backticks, any indent up to the list's two spaces). */
function fences(markdown: string): string[][] {
  const blocks: string[][] = [];
  let open: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (/^ {0,3}```/.test(line)) {
      if (open) {
        blocks.push(open);
        open = undefined;
      } else open = [];
    } else open?.push(line);
  }
  expect(open, 'a code fence is never closed').toBeUndefined();
  return blocks;
}

function outsideFences(markdown: string): string {
  let inside = false;
  return markdown
    .split('\n')
    .filter((line) => {
      if (/^ {0,3}```/.test(line)) inside = !inside;
      return !inside && !/^ {0,3}```/.test(line);
    })
    .join('\n');
}

describe('hostile service descriptions and commands', () => {
  it('cannot break the README table, the code fences, the Mermaid graph or the commands', () => {
    fc.assert(
      fc.property(hostile, hostile, (description, argument) => {
        const files = render(description, argument);
        const readme = files.get('README.md')!;
        for (const document of [readme, files.get('plan.md')!]) {
          // Outside code blocks, no raw HTML survives (inside them it is shown as text).
          expect(outsideFences(document)).not.toContain('<script>');
          for (const block of mermaidBlocks(document)) expect(mermaidProblems(block)).toEqual([]);
        }
        const header = readme.split('\n').find((line) => line.startsWith('| Service |'))!;
        const row = readme.split('\n').find((line) => line.startsWith('| api |'))!;
        expect(cells(row)).toHaveLength(cells(header).length);
        expect(readme).not.toContain('\r'); // CR ends a Markdown line; U+2028 does not

        const planMd = files.get('plan.md')!;
        const blocks = fences(planMd);
        const plan = JSON.parse(files.get('plan.json')!) as ProvisioningPlan;
        const commandCount = plan.steps.flatMap((s) => s.actions).filter((a) => a.command).length;
        expect(blocks).toHaveLength(commandCount + 1); // every command, then the graph
        for (const block of blocks.slice(0, -1)) expect(block).toHaveLength(1);
        expect(plan.steps.find((s) => s.id === 'run-migrations')!.actions.some((a) => a.command?.[1] === argument)).toBe(true);
        expect(plan.steps.find((s) => s.id === 'seed-foundation-data')!.actions[0]!.command).toEqual([argument]);
      }),
      { numRuns: 25 },
    );
  });
});
