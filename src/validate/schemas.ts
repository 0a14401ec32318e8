import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import type { InputKind } from '../model/index.js';
import { sha256Hex } from '../core/digest.js';
import { schemasDir } from '../core/paths.js';

// Ajv is loaded on first use only: a built Slipway validates with the precompiled validators below
// and never loads it. Both packages are CommonJS, so `require` loads them synchronously.
const require = createRequire(import.meta.url);

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

/**
 * The validators `npm run build` writes beside this module (ajv's standalone code, see
 * `precompile.ts`): loading them costs a small fraction of compiling the schemas at every start.
 * Not there when running from source, as the tests do; then the schemas are compiled here.
 */
export const PRECOMPILED_VALIDATORS_FILE = 'schema-validators.cjs';

/** What the precompiled module exports: the digest of the schemas it was generated from, and a validator per kind. */
export type PrecompiledValidators = { schemasDigest: string } & Record<InputKind, ValidateFunction>;

let compiled: Map<InputKind, ValidateFunction> | undefined;

/** Creates the Ajv instance every schema is compiled with: strict, all errors, with the schema node at hand for hints. */
export function createAjv(options: { source?: boolean } = {}): Ajv2020 {
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true, ...(options.source ? { code: { source: true } } : {}) });
  addFormats(ajv);
  return ajv;
}

function addFormats(ajv: Ajv2020): void {
  // ajv-formats is CommonJS: its plugin is the module itself (and its `default`).
  const plugin = require('ajv-formats') as (ajv: Ajv2020) => Ajv2020;
  plugin(ajv);
}

/** Each kind's schema, as the text of its file in schemas/. */
export function schemaTexts(): Map<InputKind, string> {
  return new Map((Object.entries(schemaFileByKind) as Array<[InputKind, string]>).map(([kind, file]) => [kind, readFileSync(join(schemasDir(), file), 'utf8')]));
}

/** One digest over every schema file: precompiled validators are used only when it matches the files. */
export function schemasDigest(texts: Map<InputKind, string>): string {
  return sha256Hex(new TextEncoder().encode(JSON.stringify([...texts])));
}

/** Each kind's validator, once per process: validating a thousand environments reuses the same functions. */
export function schemaValidators(): Map<InputKind, ValidateFunction> {
  if (compiled) return compiled;
  const texts = schemaTexts();
  compiled = precompiledValidators(texts) ?? compileValidators(texts);
  return compiled;
}

function precompiledValidators(texts: Map<InputKind, string>): Map<InputKind, ValidateFunction> | undefined {
  const file = fileURLToPath(new URL(PRECOMPILED_VALIDATORS_FILE, import.meta.url));
  if (!existsSync(file)) return undefined;
  const precompiled = require(file) as PrecompiledValidators;
  // Generated from other schemas than the ones shipped (schemas/ edited since the build): not used.
  if (precompiled.schemasDigest !== schemasDigest(texts)) return undefined;
  return new Map([...texts.keys()].map((kind) => [kind, precompiled[kind]]));
}

/** Every schema compiled into one Ajv instance, keyed by kind. */
export function compileValidators(texts: Map<InputKind, string>, ajv = createAjv()): Map<InputKind, ValidateFunction> {
  return new Map([...texts].map(([kind, text]) => [kind, ajv.compile(JSON.parse(text) as object)]));
}
