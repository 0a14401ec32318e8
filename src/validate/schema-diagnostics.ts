import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../core/diagnostics.js';
import { positionOf, type JsonPath, type SourceFile } from '../model/index.js';
import { didYouMean, quoteList } from './suggest.js';

interface SchemaNode {
  title?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  pattern?: string;
}

/** Runs a compiled schema over a parsed file and turns every complaint into a positioned, actionable diagnostic. */
export function schemaDiagnostics(file: SourceFile, errors: readonly ErrorObject[] | null | undefined): Diagnostic[] {
  if (!errors || errors.length === 0) return [];
  const kept = pruneAlternatives(errors, file.data);
  const diagnostics: Diagnostic[] = [];
  for (const error of kept) {
    const diagnostic = describe(file, error);
    if (diagnostic) diagnostics.push(diagnostic);
  }
  return diagnostics;
}

/**
 * `oneOf`/`anyOf` failures drag in every branch's errors. When the data clearly aims at one branch
 * (it has all that branch's required keys), keep that branch's errors and drop the summary;
 * otherwise keep only the summary, which names the allowed forms.
 */
function pruneAlternatives(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const error of errors) {
    if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') continue;
    const branches = (Array.isArray(error.schema) ? error.schema : []) as SchemaNode[];
    const value = valueAt(data, pointerToPath(error.instancePath));
    const prefix = `${error.schemaPath}/`;
    const branchErrors = branches.map((_, index) => errors.filter((other) => other.schemaPath.startsWith(`${prefix}${index}/`)));
    const chosen = chosenBranch(branches, branchErrors, value);
    for (const [index, list] of branchErrors.entries()) {
      if (index !== chosen) for (const other of list) dropped.add(other);
    }
    if (chosen !== undefined && branchErrors[chosen]!.length > 0) dropped.add(error);
  }
  return errors.filter((error) => !dropped.has(error) && error.keyword !== 'if');
}

/**
 * The form the data was evidently meant to take: the one branch whose required keys are all
 * present, else the one branch with strictly the fewest complaints (a misspelt key in an
 * otherwise right form). None when it is a toss-up: then the summary names every form.
 */
function chosenBranch(branches: SchemaNode[], branchErrors: ErrorObject[][], value: unknown): number | undefined {
  if (!isObject(value)) return undefined;
  const aimed = branches.flatMap((branch, index) => ((branch.required ?? []).length > 0 && (branch.required ?? []).every((key) => key in value) ? [index] : []));
  if (aimed.length === 1) return aimed[0];
  if (aimed.length > 1) return undefined;
  const counts = branchErrors.map((list) => list.length);
  const fewest = Math.min(...counts);
  return counts.filter((count) => count === fewest).length === 1 ? counts.indexOf(fewest) : undefined;
}

function describe(file: SourceFile, error: ErrorObject): Diagnostic | undefined {
  const path = pointerToPath(error.instancePath);
  const at = (target: JsonPath, key = false) => positionOf(file, target, { key });
  const where = path.length > 0 ? `"${path.join('.')}"` : 'the top level';
  const make = (code: string, position: { line: number; column: number }, message: string): Diagnostic => ({
    severity: 'error',
    code,
    file: file.path,
    line: position.line,
    column: position.column,
    message,
  });
  const parent = (error.parentSchema ?? {}) as SchemaNode;

  if (error.propertyName !== undefined) {
    const keyPath = [...path, error.propertyName];
    return make('invalid-name', at(keyPath, true), `key "${error.propertyName}" in ${where} ${error.message ?? 'is not valid'}${patternHint(error)}`);
  }

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const hint = didYouMean(key, allowed) || (allowed.length > 0 ? `; allowed keys here: ${allowed.join(', ')}` : '');
      return make('unknown-key', at([...path, key], true), `unknown key "${key}" ${path.length > 0 ? `in ${where}` : "at the top level"}${hint}`);
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const about = firstSentence(parent.properties?.[key]?.description);
      return make('missing-key', at(path), `${where} is missing the required key "${key}"${about ? ` (${about})` : ''}; add it`);
    }
    case 'propertyNames':
      return undefined; // the nested error carries propertyName and is reported above
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      const value = valueAt(file.data, path);
      const hint = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : '';
      return make('invalid-value', at(path), `${JSON.stringify(value)} is not allowed for ${where}; use one of ${quoteList(allowed)}${hint}`);
    }
    case 'const':
      return make('invalid-value', at(path), `${where} must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`);
    case 'type':
      if (path.length === 0 && (file.data === null || file.data === undefined)) {
        return make('invalid-type', at(path), 'the file is empty; it must hold a mapping of the keys its schema describes');
      }
      return make('invalid-type', at(path), `${where} ${error.message ?? 'has the wrong type'}`);
    case 'pattern':
    case 'format': {
      const expected = firstSentence(parent.description) ?? error.message ?? 'does not have the expected form';
      return make('invalid-value', at(path), `${JSON.stringify(valueAt(file.data, path))} is not valid for ${where}: ${expected}`);
    }
    case 'oneOf':
    case 'anyOf': {
      const branches = (Array.isArray(error.schema) ? error.schema : []) as SchemaNode[];
      const forms = branches.map((b, i) => b.title ?? `form ${i + 1}`);
      return make('invalid-value', at(path), `${where} must take exactly one of these forms: ${forms.join('; ')}`);
    }
    default:
      return make('invalid-value', at(path), `${where} ${error.message ?? 'is not valid'}`);
  }
}

function patternHint(error: ErrorObject): string {
  const description = firstSentence((error.parentSchema as SchemaNode | undefined)?.description);
  return description ? ` (${description})` : '';
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const sentence = text.split(/(?<=\.)\s/)[0]!.trim();
  return sentence.replace(/\.$/, '');
}

export function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, path: JsonPath): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(segment)];
  }
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
