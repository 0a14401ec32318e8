import { expect } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { positionOf, type JsonPath, type SourceFile } from '../../src/model/index.js';

/**
 * What the load stage reads with `yaml` alone: the data and the document, or undefined where `yaml`
 * reports a problem. The reference the plain YAML and JSON readers are held to.
 */
export function readByYaml(text: string, path: string): { data: unknown; file: SourceFile } | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  if (document.errors.length > 0 || document.warnings.length > 0) return undefined;
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  return { data, file: { path, text, document, lineCounter, data } };
}

/** Every path to a node of the data, each mapping key's own path included. */
export function pathsOf(value: unknown, path: JsonPath = []): JsonPath[] {
  const paths: JsonPath[] = [path];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, [...path, index])));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...path, key]));
  return paths;
}

/**
 * Expects a file read by a plain reader (`fast`) to place every node of `data`, every mapping key,
 * and the nearest node of a few paths that lead nowhere, where `yaml` places them in `reference`.
 */
export function expectSamePositions(fast: SourceFile, reference: SourceFile, data: unknown): void {
  expect(fast.plainRoot).toBeDefined();
  const missing: JsonPath[] = [['no-such-key'], [0, 'no-such-key'], ['a', 99]];
  for (const path of [...pathsOf(data), ...missing]) {
    for (const key of [false, true]) {
      expect(positionOf(fast, path, { key }), `${JSON.stringify(path)} key=${key} in:\n${fast.text}`).toEqual(positionOf(reference, path, { key }));
    }
  }
}
