import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { InputKind } from '../model/index.js';
import { schemasDir } from '../core/paths.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

const schemaFileByKind: Record<InputKind, string> = {
  settings: 'slipway.schema.json',
  service: 'service.schema.json',
  environment: 'environment.schema.json',
  release: 'release.schema.json',
  'target-policy': 'target-policy.schema.json',
  'provisioning-policy': 'provisioning-policy.schema.json',
  'secrets-policy': 'secrets-policy.schema.json',
  'attestation-policy': 'attestation-policy.schema.json',
};

let compiled: Map<InputKind, ValidateFunction> | undefined;

/** Creates the Ajv instance every schema is compiled with: strict, all errors, with the schema node at hand for hints. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
  addFormats(ajv);
  return ajv;
}

/** Compiles every schema once per process: validating a thousand environments reuses the same functions. */
export function schemaValidators(): Map<InputKind, ValidateFunction> {
  if (compiled) return compiled;
  const ajv = createAjv();
  compiled = new Map();
  for (const [kind, file] of Object.entries(schemaFileByKind) as Array<[InputKind, string]>) {
    const schema = JSON.parse(readFileSync(join(schemasDir(), file), 'utf8')) as object;
    compiled.set(kind, ajv.compile(schema));
  }
  return compiled;
}
