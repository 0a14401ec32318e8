import { precompiledModule } from '../core/precompile.js';
import { compileValidators, createAjv, schemaTexts } from './schemas.js';

/**
 * Build time only: the validators of every schema in schemas/, by kind, as the module
 * `schemaValidators()` loads (PRECOMPILED_VALIDATORS), made with the same Ajv options.
 */
export function precompiledValidatorsModule(): string {
  const texts = schemaTexts();
  const ajv = createAjv({ source: true });
  const validators = compileValidators(texts, ajv);
  const ids = Object.fromEntries([...validators.keys()].map((kind) => [kind, (JSON.parse(texts.get(kind)!) as { $id: string }).$id]));
  return precompiledModule(ajv, ids, [...texts.values()]);
}
