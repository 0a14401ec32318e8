import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/tree.js';
import { edgesWithin, importEdges, stageCycles, type ImportEdge } from './import-graph.js';

/**
 * The shape CONTRIBUTING.md draws, checked on every run: arrows point one way (cli → compile →
 * stages → core), generators are a leaf the core reaches only through the registry, and they read
 * only the model and the toolkit.
 */
const edges = importEdges(repositoryRoot, ['src', 'generators']);
const isTest = (path: string) => path.endsWith('.test.ts');
const describeEdge = (edge: ImportEdge) => `${edge.from} → ${edge.to}`;

describe('the import graph', () => {
  it('has no cycle between the folders of src/ (the pipeline stages, the model, the core toolkit)', () => {
    const cycles = stageCycles(edges.filter((edge) => !isTest(edge.from)));
    expect(cycles.map((stages) => `${stages.join(' ⇄ ')}: ${edgesWithin(edges, stages).map(describeEdge).join(', ')}`)).toEqual([]);
  });

  it('reaches generators from src/ only through the registry, and only from the generate stage', () => {
    const intoGenerators = edges.filter((edge) => edge.from.startsWith('src/') && edge.to.startsWith('generators/'));
    const allowed = (edge: ImportEdge) => edge.from === 'src/generate/index.ts' && edge.to === 'generators/registry.ts';
    expect(intoGenerators.filter((edge) => !allowed(edge)).map(describeEdge)).toEqual([]);
    expect(intoGenerators.length).toBeGreaterThan(0);
  });

  it('lets generators import only the core toolkit, the model and other generators', () => {
    const outside = edges.filter((edge) => edge.from.startsWith('generators/') && !isTest(edge.from) && !/^(src\/(core|model)|generators)\//.test(edge.to));
    expect(outside.map(describeEdge)).toEqual([]);
  });

  it('keeps the core toolkit free of the rest, and the model on the core alone', () => {
    const sources = edges.filter((edge) => !isTest(edge.from));
    const fromCore = sources.filter((edge) => edge.from.startsWith('src/core/') && !edge.to.startsWith('src/core/'));
    const fromModel = sources.filter((edge) => edge.from.startsWith('src/model/') && !/^src\/(core|model)\//.test(edge.to));
    expect([...fromCore, ...fromModel].map(describeEdge)).toEqual([]);
  });

  it('reads every form of relative import, and nothing else (known answer on a small tree)', () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-imports-'));
    try {
      const files: Record<string, string> = {
        'src/gate/index.ts': [
          "import type { Model } from '../model/index.js';",
          'import {',
          '  a,',
          '  b,',
          "} from '../core/errors.js';",
          'import "./side-effect.js";',
          "export * from './rules.js';",
          'export { c } from "../validate/index.js";',
          "import { readFileSync } from 'node:fs';",
          "const text = 'import x from \\'./not-an-import.js\\'';",
          "export const later = () => import('../compile.js');",
          '',
        ].join('\n'),
        'src/gate/index.d.ts': "import '../ignored.js';\n",
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      expect(importEdges(root, ['src']).map((edge) => edge.to)).toEqual([
        'src/model/index.ts',
        'src/core/errors.ts',
        'src/gate/side-effect.ts',
        'src/gate/rules.ts',
        'src/validate/index.ts',
        'src/compile.ts',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds a cycle when there is one (the check itself can fail)', () => {
    const synthetic: ImportEdge[] = [
      { from: 'src/validate/index.ts', to: 'src/gate/index.ts' },
      { from: 'src/gate/index.ts', to: 'src/validate/project.ts' },
      { from: 'src/gate/index.ts', to: 'src/core/errors.ts' },
      { from: 'src/compile.ts', to: 'src/validate/index.ts' },
    ];
    expect(stageCycles(synthetic)).toEqual([['gate', 'validate']]);
    expect(edgesWithin(synthetic, ['gate', 'validate']).map(describeEdge)).toEqual(['src/validate/index.ts → src/gate/index.ts', 'src/gate/index.ts → src/validate/project.ts']);
  });
});

describe('generators', () => {
  const sources = typeScriptSources(join(repositoryRoot, 'generators')).filter((path) => !isTest(path));

  it('never throw a user error: what stops a render is a located finding of a check', () => {
    const throwing = sources.filter((path) => /\bUserError\b/.test(readFileSync(path, 'utf8'))).map((path) => relative(repositoryRoot, path));
    expect(throwing).toEqual([]);
  });
});

function typeScriptSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptSources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
