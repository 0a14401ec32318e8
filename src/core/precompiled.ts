import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireCached } from './code-cache.js';
import { sha256Hex } from './digest.js';

/**
 * Validators that `npm run build` generates from JSON Schemas as Ajv's standalone code (see
 * `precompile.ts`), so that no command compiles a schema at start. Each generated module carries
 * the digest of the schema texts it was made from, and is used only while they match: running from
 * source (the tests) there is no such module, and a schema edited since the build is compiled anew.
 */
export interface PrecompiledModule {
  schemasDigest: string;
}

/** One digest over schema texts, in order. */
export function schemasDigest(texts: readonly string[]): string {
  return sha256Hex(new TextEncoder().encode(JSON.stringify(texts)));
}

/** The generated module at `url` when it exists and was made from exactly these schema texts. */
export function loadPrecompiled<T extends PrecompiledModule>(url: URL, texts: readonly string[]): T | undefined {
  const path = fileURLToPath(url);
  if (!existsSync(path)) return undefined;
  // Generated as CommonJS, so it loads synchronously, as the validators are asked for.
  const precompiled = requireCached(path) as T;
  return precompiled.schemasDigest === schemasDigest(texts) ? precompiled : undefined;
}
