import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, UsageError, type ExitCodeValue } from '../../core/errors.js';
import { schemasDir } from '../../core/paths.js';
import type { CliIo } from '../io.js';

const SUFFIX = '.schema.json';

/** Every schema the package ships, by name (`environment`, `service`, `target-policy`, …). */
export function schemaNames(): string[] {
  return readdirSync(schemasDir())
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => file.slice(0, -SUFFIX.length))
    .sort();
}

/**
 * `slipway schema NAME`: one JSON Schema, byte for byte as shipped, for editors and tools that
 * cannot reach node_modules (or the $id URL). `settings` is slipway.yaml's schema by its role.
 */
export function runSchema(name: string, io: CliIo): ExitCodeValue {
  const names = schemaNames();
  const file = name === 'settings' ? 'slipway' : name;
  if (!names.includes(file)) throw new UsageError(`unknown schema ${JSON.stringify(name)}; the schemas are: ${[...names, 'settings'].sort().join(', ')}`);
  io.stdout(readFileSync(join(schemasDir(), `${file}${SUFFIX}`), 'utf8'));
  return ExitCode.ok;
}
