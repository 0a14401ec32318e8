import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { SourceFile } from '../../model/index.js';
import { pointerToPath } from '../schema-diagnostics.js';

const require = createRequire(import.meta.url);

/** One way a chart's values schema rejects the values: where (a path inside the values) and why. */
export interface ValuesProblem {
  /** The path inside the values; `key` when it names a key that should not be there. */
  path: string[];
  key: boolean;
  message: string;
}

const compiled = new WeakMap<SourceFile, ValidateFunction | { problem: string }>();

/**
 * Checks values the way `helm install` does: the chart's own defaults (`values.yaml`) with the
 * given values coalesced over them, against `values.schema.json`. Helm 3 reads draft-04 to draft-07
 * schemas and Helm 4 also 2019-09 and 2020-12, so the dialect comes from the schema's `$schema`
 * (draft-07 when it names none). Formats are not judged: Helm 3 knows only a few, and a format
 * Slipway refused but Helm accepted would be a false alarm. Returns why the schema itself cannot be
 * used, or the problems (none: the values are what the chart accepts).
 */
export function checkChartValues(schemaFile: SourceFile, defaults: unknown, values: Record<string, unknown>): { schemaProblem: string } | { problems: ValuesProblem[] } {
  const validate = compile(schemaFile);
  if ('problem' in validate) return { schemaProblem: validate.problem };
  const merged = coalesce(isMapping(defaults) ? defaults : {}, values);
  if (validate(merged)) return { problems: [] };
  return { problems: (validate.errors ?? []).filter((error) => !isCombinatorSummary(error)).map(problemOf) };
}

function compile(file: SourceFile): ValidateFunction | { problem: string } {
  let found = compiled.get(file);
  if (!found) {
    found = compileSchema(file.data);
    compiled.set(file, found);
  }
  return found;
}

function compileSchema(data: unknown): ValidateFunction | { problem: string } {
  if (!isMapping(data) && typeof data !== 'boolean') return { problem: 'it is not a JSON Schema (an object or a boolean)' };
  const schema = isMapping(data) ? { ...data } : data;
  const dialect = isMapping(schema) && typeof schema.$schema === 'string' ? schema.$schema : '';
  // Ajv knows draft-07 metaschemas by default; draft-04 and -06 schemas read the same for what charts use.
  if (isMapping(schema) && !/2019-09|2020-12/.test(dialect)) delete schema.$schema;
  const options = { strict: false, allErrors: true, validateFormats: false, logger: false } as const;
  try {
    if (dialect.includes('2020-12')) return new (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020(options).compile(schema as object);
    if (dialect.includes('2019-09')) return new (require('ajv/dist/2019.js') as typeof import('ajv/dist/2019.js')).Ajv2019(options).compile(schema as object);
    return new (require('ajv') as typeof import('ajv')).Ajv(options).compile(schema as object);
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** Helm's coalescing of user values over a chart's defaults: maps merge key by key, a null removes the default. */
export function coalesce(defaults: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(values)) {
    if (value === null) delete merged[key];
    else if (isMapping(value) && isMapping(merged[key])) merged[key] = coalesce(merged[key] as Record<string, unknown>, value);
    else merged[key] = value;
  }
  return merged;
}

/** "must match a schema in anyOf" (or "must match then schema") repeats what the errors of its branches already say more precisely. */
function isCombinatorSummary(error: ErrorObject): boolean {
  return error.keyword === 'anyOf' || error.keyword === 'if' || (error.keyword === 'oneOf' && error.params.passingSchemas === null);
}

function problemOf(error: ErrorObject): ValuesProblem {
  const path = pointerToPath(error.instancePath);
  const where = path.length > 0 ? path.join('.') : 'the values';
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      return { path: [...path, extra], key: true, message: `${[...path, extra].join('.')} is not a value the chart knows` };
    }
    case 'required':
      return { path, key: false, message: `${where} ${path.length > 0 ? 'lacks' : 'lack'} ${(error.params as { missingProperty: string }).missingProperty}, which the chart requires` };
    case 'enum':
      return { path, key: false, message: `${where} must be one of ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map((value) => JSON.stringify(value)).join(', ')}` };
    default:
      return { path, key: false, message: `${where} ${error.message ?? 'is not what the chart accepts'}` };
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
