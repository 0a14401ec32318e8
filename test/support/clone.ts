import type { ResolvedEnvironment } from '../../src/model/index.js';

/**
 * A deep copy of a resolved model for a test to edit. The model's origins point into the parsed
 * input files, whose YAML documents hold functions that `structuredClone` refuses; nothing edits
 * them, so the copy shares the source files and copies everything else.
 */
export function cloneModel(model: ResolvedEnvironment): ResolvedEnvironment {
  return copied(model) as ResolvedEnvironment;
}

function copied(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copied);
  if (value instanceof Uint8Array) return value.slice();
  if (Object.getPrototypeOf(value) !== Object.prototype || isSourceFile(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, copied(entry)]));
}

function isSourceFile(value: object): boolean {
  return 'document' in value && 'lineCounter' in value;
}
