import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMarkdownCell, markdownCode, markdownRow, shellLine } from '../../src/core/templates.js';
import { mermaidProblems } from '../../test/runbook/mermaid-check.js';
import { runTool } from '../../test/support/tools.js';
import type { PlanGraph } from '../../src/model/index.js';
import { decodeMermaidLabel, mermaidFlowchart, mermaidId, mermaidLabel } from './graph.js';

/** Strings that go after the places escapers break: quotes, brackets, fences, entities, line breaks, unicode. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom('"', "'", '`', '```', '#', '#35;', ';', '[', ']', '(', ')', '{', '}', '|', '<', '>', '&', '\\', '\n', '\r', '\u2028', '\u0000', '\u001b[31m', '-->', 'end', ' ', 'é', '🚀', '${x}', '$(id)', '*', '_'), { maxLength: 12 }).map((parts) => parts.join('')),
);

describe('mermaidLabel', () => {
  it('writes characters as the decimal entity codes of the Mermaid documentation ("A dec char:#9829;")', () => {
    expect(mermaidLabel('A dec char:\u2665')).toBe('A dec char:#9829;');
    expect(mermaidLabel('say "hi" <b>')).toBe('say #34;hi#34; #60;b#62;');
  });

  it('keeps only plain characters and entity codes, and Mermaid decodes it back to the text', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const label = mermaidLabel(text);
        expect(label).toMatch(/^[A-Za-z0-9 .,:/@_+=#;-]*$/);
        expect(decodeMermaidLabel(label)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves a hostile label inside one node of a sane flowchart', () => {
    fc.assert(
      fc.property(hostile, hostile, (name, version) => {
        const graph: PlanGraph = {
          nodes: [
            { id: `service:${name}`, kind: 'service', name, role: 'api' },
            { id: `resource:${name}`, kind: 'resource', name, type: 'postgres', version, managed: false },
          ],
          edges: [{ from: `service:${name}`, to: `resource:${name}` }],
        };
        const chart = mermaidFlowchart(graph);
        expect(mermaidProblems(chart)).toEqual([]);
        expect(chart.trimEnd().split('\n')).toHaveLength(9); // header, 2 nodes, 1 edge, 3 classDefs, 2 class lines
      }),
      { numRuns: 300 },
    );
  });
});

describe('mermaidId', () => {
  it('encodes code point by code point, as a walk over the characters does', () => {
    const characterByCharacter = (name: string) => [...name].map((c) => (/^[A-Za-z0-9]$/.test(c) ? c : `_${c.codePointAt(0)!.toString(16)}_`)).join('');
    const labelByCharacter = (text: string) => [...text].map((c) => (/^[A-Za-z0-9 .,:/@_+=-]$/.test(c) ? c : `#${c.codePointAt(0)};`)).join('');
    fc.assert(
      fc.property(hostile, (text) => {
        expect(mermaidId(`resource:${text}`)).toBe(`r_${characterByCharacter(text)}`);
        expect(mermaidLabel(text)).toBe(labelByCharacter(text));
      }),
      { numRuns: 500 },
    );
  });

  it('is an identifier, never a keyword, and different names give different ids', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        const id = mermaidId(`service:${a}`);
        expect(id).toMatch(/^s_[A-Za-z0-9_]*$/);
        if (a !== b) expect(mermaidId(`service:${b}`)).not.toBe(id);
        expect(mermaidId(`resource:${a}`)).not.toBe(id);
      }),
      { numRuns: 500 },
    );
  });
});

describe('escapeMarkdownCell', () => {
  it('never breaks a line and leaves no pipe unescaped', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const cell = escapeMarkdownCell(text);
        expect(cell).not.toMatch(/[\r\n]/);
        expect(cell.replace(/\\\\/g, '')).not.toMatch(/(^|[^\\])\|/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('markdownRow', () => {
  it('is one line of exactly one cell per value, each the value escaped (a list: its items)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.integer()), { minLength: 1, maxLength: 6 }), (values) => {
        const row = markdownRow(values);
        expect(row).not.toMatch(/[\r\n]/);
        // The pipes that separate cells: those no backslash escapes.
        const separators = row.replace(/\\\\/g, '').match(/(^|[^\\])\|/g) ?? [];
        expect(separators).toHaveLength(values.length + 1);
        const cells = values.map((value) => (Array.isArray(value) ? value.map((item) => escapeMarkdownCell(item)).join(', ') : escapeMarkdownCell(String(value))));
        expect(row).toBe(`| ${cells.join(' | ')} |`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('markdownCode', () => {
  it('is one line, fenced by more backticks than the text holds', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const code = markdownCode(text);
        expect(code).not.toMatch(/[\r\n]/);
        const fence = /^`+/.exec(code)![0];
        expect(code.endsWith(fence)).toBe(true);
        const inner = code.slice(fence.length, code.length - fence.length);
        expect(inner.includes(fence)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('shellLine', () => {
  // Lone surrogates cannot travel through a process argument; everything else must arrive exactly.
  const argument = hostile.filter((text) => !/[\ud800-\udfff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')) && !text.includes('\u0000'));

  it('is always one line', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 5 }), (argv) => {
        expect(shellLine(argv)).not.toMatch(/[\r\n\u2028\u2029]/);
      }),
      { numRuns: 500 },
    );
  });

  it('gives bash back exactly the arguments', () => {
    fc.assert(
      fc.property(fc.array(argument, { minLength: 1, maxLength: 4 }), (argv) => {
        const printed = runTool('bash', ['-c', `printf '%s\\0' ${shellLine(argv)}`]);
        expect(printed.status, printed.stderr).toBe(0);
        expect(printed.stdout.split('\0').slice(0, -1)).toEqual(argv);
      }),
      { numRuns: 60 },
    );
  });
});
