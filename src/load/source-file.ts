import { isAlias, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { SourceFile } from '../model/index.js';
import type { Diagnostic } from '../core/diagnostics.js';

/** Files larger than this are refused before parsing: no legitimate input is this big. */
export const maxFileBytes = 1024 * 1024;
/** Caps alias expansion so a "billion laughs" document fails fast instead of eating memory. */
export const maxAliasCount = 100;

export interface ParseResult {
  file?: SourceFile;
  diagnostics: Diagnostic[];
}

export function parseSourceFile(path: string, text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  for (const problem of document.errors) {
    const { line, col } = lineCounter.linePos(problem.pos[0]);
    const duplicate = problem.code === 'DUPLICATE_KEY';
    diagnostics.push({
      severity: 'error',
      code: duplicate ? 'duplicate-key' : 'yaml-syntax',
      file: path,
      line,
      column: col,
      message: duplicate
        ? `key ${JSON.stringify(keyAt(text, problem.pos[0]))} appears twice in one mapping; remove or merge the repeated one`
        : problem.code === 'MULTIPLE_DOCS'
          ? 'this file holds more than one YAML document (a "---" separator); keep one document per file'
          : `${firstLine(problem.message)}; fix the YAML syntax here`,
    });
  }
  const unresolved = unresolvedAlias(document);
  if (unresolved) {
    const { line, col } = lineCounter.linePos(unresolved.offset);
    diagnostics.push({ severity: 'error', code: 'yaml-syntax', file: path, line, column: col, message: `alias *${unresolved.name} refers to no anchor &${unresolved.name} defined before it; define the anchor first or write the value out` });
  }
  if (diagnostics.length > 0) return { diagnostics };

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const excessive = /excessive alias count/i.test(message);
    diagnostics.push({
      severity: 'error',
      code: excessive ? 'yaml-alias-limit' : 'yaml-syntax',
      file: path,
      line: 1,
      column: 1,
      message: excessive
        ? `YAML aliases expand beyond the limit of ${maxAliasCount}; write the values out instead of nesting aliases`
        : `${firstLine(message)}; fix the YAML here`,
    });
    return { diagnostics };
  }
  return { file: { path, text, document, lineCounter, data }, diagnostics };
}

/** The first alias whose anchor is not defined before it: yaml only notices when converting, without a position. */
function unresolvedAlias(document: Document.Parsed): { name: string; offset: number } | undefined {
  const anchors = new Set<string>();
  let found: { name: string; offset: number } | undefined;
  visit(document, {
    Node(_key, node) {
      if (found) return visit.BREAK;
      if (isAlias(node)) {
        if (!anchors.has(node.source)) found = { name: node.source, offset: node.range?.[0] ?? 0 };
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
      return undefined;
    },
  });
  return found;
}

function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset).split(/\r?\n/)[0] ?? '';
  const match = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^:#]+?)\s*:/.exec(rest);
  return match ? match[1]!.replace(/^["']|["']$/g, '') : rest.trim();
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim().replace(/\.$/, '');
}
