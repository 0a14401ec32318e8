import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { BugError } from '../../src/core/errors.js';
import { generatorsDir } from '../../src/core/paths.js';
import { loadPrecompiled, type PrecompiledModule } from '../../src/core/precompiled.js';
import { refusalLines, scanFolder } from '../../src/core/tree.js';

/** The chart's own files as they ship: everything in this folder but Slipway's code and tests. */
interface ChartFile {
  path: string;
  bytes: Uint8Array;
}

const notChart = /\.(ts|js|map)$/;
let cachedFiles: ChartFile[] | undefined;

/** Read from disk once per process (in path order): every build and every values check shares them. */
export function chartFiles(): ChartFile[] {
  if (cachedFiles) return cachedFiles;
  const folder = join(generatorsDir(), 'chart');
  const { files, refused } = scanFolder(folder, { include: (path) => !notChart.test(path) });
  // The chart ships inside Slipway's package: a link in it is a packaging fault, not the user's.
  if (refused.size > 0) throw new BugError(`${folder} holds entries Slipway never reads:\n  ${refusalLines(refused).join('\n  ')}`);
  cachedFiles = [...files].map(([path, bytes]) => ({ path, bytes }));
  return cachedFiles;
}

let validateValues: ValidateFunction | undefined;

/**
 * Checks one values file against the chart's values.schema.json (draft-07, as Helm 3 reads it)
 * before Helm ever sees it: a failure is a bug in the values generator, never the user's.
 */
export function checkChartValues(values: unknown, label: string): void {
  validateValues ??= valuesValidator();
  if (!validateValues(values)) {
    const problems = (validateValues.errors ?? []).map((error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? ''}`).join('; ');
    throw new BugError(`the values generated for ${label} do not match the chart's values.schema.json: ${problems}`);
  }
}

/** The validator `npm run build` generates beside this module from values.schema.json (see `precompile.ts`). */
export const PRECOMPILED_VALUES_VALIDATOR = new URL('./values-validator.cjs', import.meta.url);

export type PrecompiledValuesValidator = PrecompiledModule & { values: ValidateFunction };

/** Once per process: the one the build generated when it matches the schema, else compiled here. */
function valuesValidator(): ValidateFunction {
  const text = valuesSchemaText();
  return loadPrecompiled<PrecompiledValuesValidator>(PRECOMPILED_VALUES_VALIDATOR, [text])?.values ?? valuesAjv().compile(JSON.parse(text) as object);
}

/** values.schema.json, from the bytes chartFiles() already read. */
export function valuesSchemaText(): string {
  return new TextDecoder().decode(chartFiles().find((file) => file.path === 'values.schema.json')!.bytes);
}

/** The Ajv the values schema is compiled with. Ajv (CommonJS) is loaded here, so that commands that render no chart never load it. */
export function valuesAjv(options: { source?: boolean } = {}): Ajv {
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  return new Ajv({ allErrors: true, strict: false, ...(options.source ? { code: { source: true } } : {}) });
}
