import { isAlias, isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { SourceFile } from '../model/index.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { jsonSyntaxError } from './json-syntax.js';
import { BugError } from '../core/errors.js';
import { forbiddenCharacter, maxAliasCount, nodeLimitOf } from './input-limits.js';
import { readPlainJson } from './plain-json.js';
import { readPlainYaml, type PlainYaml } from './plain-yaml.js';

// Duplicate keys are found in one pass by `structureFindings`: yaml's own check compares every key with every other.
const parseOptions = { uniqueKeys: false, prettyErrors: false, strict: true } as const;

export interface ParseResult {
  file?: SourceFile;
  diagnostics: Diagnostic[];
}

export function parseSourceFile(path: string, text: string): ParseResult {
  const nodeLimit = nodeLimitOf(path);
  const diagnostics: Diagnostic[] = [];
  const lineCounter = new LineCounter();
  if (path.endsWith('.json')) {
    // Most JSON is read without building a document; the rest (and every mistake) goes to `yaml`.
    const plain = readPlainJson(text, nodeLimit);
    if (plain) return { file: plainSourceFile(path, text, plain), diagnostics: [] };
    // Valid JSON is valid YAML, so the YAML parser below still gives every value its position.
    const problem = jsonSyntaxError(text);
    if (problem) {
      const { line, column } = positionAt(text, problem.offset);
      return { diagnostics: [{ severity: 'error', code: 'json-syntax', file: path, line, column, message: `${problem.message}; fix the JSON syntax here` }] };
    }
  }
  if (!path.endsWith('.json')) {
    // Most hand-written YAML is read without building a document; the rest (and every mistake) goes to `yaml`.
    const plain = readPlainYaml(text, nodeLimit);
    if (plain) return { file: plainSourceFile(path, text, plain), diagnostics: [] };
  }
  const document = parseDocument(text, { ...parseOptions, lineCounter });
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
  if (diagnostics.length === 0) diagnostics.push(...structureFindings(path, document, lineCounter, nodeLimit));
  for (const warning of document.warnings) {
    // Unknown tags and directives: yaml reads past them, and a value would silently change type.
    const { line, col } = lineCounter.linePos(warning.pos[0]);
    diagnostics.push({ severity: 'error', code: 'yaml-syntax', file: path, line, column: col, message: `${firstLine(warning.message)}; Slipway's inputs use plain YAML without tags or directives` });
  }
  if (diagnostics.length > 0) return { diagnostics };
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
  const file: SourceFile = { path, text, document, lineCounter, data };
  sourceFiles.add(file);
  return { file, diagnostics };
}

/**
 * A file the plain reader read: positions come from its nodes; the line counter is made from the
 * text, and the document parsed, only when something asks for them.
 */
function plainSourceFile(path: string, text: string, plain: PlainYaml): SourceFile {
  let lineCounter: LineCounter | undefined;
  let document: Document.Parsed | undefined;
  const file = { path, text, data: plain.data, plainRoot: plain.root } as SourceFile;
  Object.defineProperties(file, {
    lineCounter: { get: () => (lineCounter ??= countLines(text)), enumerable: true },
    document: { get: () => (document ??= parseDocument(text, parseOptions)), enumerable: true },
  });
  sourceFiles.add(file);
  return file;
}

function countLines(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let offset = text.indexOf('\n'); offset >= 0; offset = text.indexOf('\n', offset + 1)) counter.addNewLine(offset + 1);
  return counter;
}

/** Every `SourceFile` made here, whole or parsed on demand: what a job sent to a thread must stub. */
const sourceFiles = new WeakSet<object>();

export function isSourceFile(value: object): value is SourceFile {
  return sourceFiles.has(value);
}

/**
 * Makes `file` a `SourceFile` whose document and line counter — needed only to place a finding —
 * are parsed from its text on first use: for a file parsed on another thread, which sent its text
 * and data but not the document. Without `data`, the data is parsed on first use too.
 */
export function reparsedOnDemand(file: { path: string; text: string }, data?: { value: unknown }): SourceFile {
  let parsed: SourceFile | undefined;
  const whole = (): SourceFile => {
    parsed ??= parseSourceFile(file.path, file.text).file;
    if (!parsed) throw new BugError(`${file.path} parsed on one thread but not again on another`);
    return parsed;
  };
  Object.defineProperties(file, {
    document: { get: () => whole().document, enumerable: true },
    lineCounter: { get: () => whole().lineCounter, enumerable: true },
    plainRoot: { get: () => whole().plainRoot, enumerable: true },
    data: data ? { value: data.value, enumerable: true, writable: true } : { get: () => whole().data, enumerable: true },
  });
  sourceFiles.add(file);
  return file as SourceFile;
}

/**
 * One walk over the document: keys that repeat in one mapping, values holding characters no output
 * may carry, and a cap on the number of nodes, each a finding at its place.
 */
function structureFindings(path: string, document: Document.Parsed, lineCounter: LineCounter, nodeLimit: number): Diagnostic[] {
  const findings: Diagnostic[] = [];
  const at = (offset: number | undefined) => lineCounter.linePos(offset ?? 0);
  let nodes = 0;
  const anchors = new Set<string>();
  visit(document, {
    Node(_key, node, ancestors) {
      nodes += 1;
      if (isAlias(node)) {
        const { line, col } = at(node.range?.[0]);
        // yaml only notices an alias without an anchor when converting, without a position.
        if (!anchors.has(node.source)) {
          findings.push({ severity: 'error', code: 'yaml-syntax', file: path, line, column: col, message: `alias *${node.source} refers to no anchor &${node.source} defined before it; define the anchor first or write the value out` });
        } else if (ancestors.some((ancestor) => (ancestor as { anchor?: string }).anchor === node.source)) {
          // An alias inside the node it names is a structure that never ends.
          findings.push({ severity: 'error', code: 'yaml-syntax', file: path, line, column: col, message: `alias *${node.source} stands inside the value &${node.source} names, which would never end; write the value out` });
        }
        return visit.SKIP;
      }
      if (node.anchor) anchors.add(node.anchor);
      if (nodes > nodeLimit) {
        const { line, col } = at(node.range?.[0]);
        findings.push({ severity: 'error', code: 'too-many-entries', file: path, line, column: col, message: `this file holds more than ${nodeLimit} keys and values; no Slipway input needs that many — split it or remove generated content` });
        return visit.BREAK;
      }
      if (isMap(node)) {
        const seen = new Set<string>();
        for (const pair of node.items) {
          if (!isScalar(pair.key)) continue;
          const name = String(pair.key.value);
          if (seen.has(name)) {
            const { line, col } = at(pair.key.range?.[0]);
            findings.push({ severity: 'error', code: 'duplicate-key', file: path, line, column: col, message: `key ${JSON.stringify(name)} appears twice in one mapping; remove or merge the repeated one` });
          }
          seen.add(name);
        }
      } else if (isScalar(node) && typeof node.value === 'string') {
        const found = forbiddenCharacter.exec(node.value);
        if (found) {
          const { line, col } = at(node.range?.[0]);
          const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
          findings.push({ severity: 'error', code: 'control-character', file: path, line, column: col, message: `this value holds the control character U+${code}, which no output may carry; remove it` });
        }
      }
      return undefined;
    },
  });
  return findings;
}

function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset).split(/\r?\n/)[0] ?? '';
  const match = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^:#]+?)\s*:/.exec(rest);
  return match ? match[1]!.replace(/^["']|["']$/g, '') : rest.trim();
}

/** Line and column (from 1, in UTF-16 units as the YAML positions count) of an offset. */
function positionAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim().replace(/\.$/, '');
}
