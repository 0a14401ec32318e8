import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One relative import: the file that imports, and the repository path of what it imports. */
export interface ImportEdge {
  from: string;
  to: string;
}

/** `import … from`, `export … from` and bare `import '…'` at the start of a line, and `import('…')`, with either quote. */
const importSpecifier = /(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?\sfrom\s+)?(['"])([^'"\n]+)\1|\bimport\(\s*(['"])([^'"\n]+)\3\s*\)/g;

/** Every relative import of the TypeScript sources under `folders`, paths relative to `root`, `.js` specifiers mapped back to `.ts`. */
export function importEdges(root: string, folders: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const folder of folders) {
    for (const file of typeScriptFiles(join(root, folder))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(importSpecifier)) {
        const specifier = match[2] ?? match[4]!;
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
        edges.push({ from: toRepositoryPath(root, file), to: toRepositoryPath(root, target) });
      }
    }
  }
  return edges;
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function toRepositoryPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** The stage a source file belongs to: `src/<folder>/…` → folder; a file directly in `src/` is its own stage (`compile.ts` → `compile`). */
export function stageOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'src') return undefined;
  return parts.length === 2 ? parts[1]!.replace(/\.ts$/, '') : parts[1];
}

/** The strongly connected components with more than one stage: each is an import cycle between stages. */
export function stageCycles(edges: readonly ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const a = stageOf(from);
    const b = stageOf(to);
    if (!a || !b || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    graph.get(a)!.add(b);
  }
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** The edges that make up a cycle, for a message that says which files to change. */
export function edgesWithin(edges: readonly ImportEdge[], stages: readonly string[]): ImportEdge[] {
  const members = new Set(stages);
  return edges.filter((edge) => {
    const a = stageOf(edge.from);
    const b = stageOf(edge.to);
    return a !== undefined && b !== undefined && a !== b && members.has(a) && members.has(b);
  });
}
