import { precompiledModule } from '../../src/core/precompile.js';
import { valuesAjv, valuesSchemaText } from './files.js';

/** Build time only: the chart's values.schema.json as the module `checkChartValues` loads (PRECOMPILED_VALUES_VALIDATOR). */
export function precompiledValuesValidatorModule(): string {
  const text = valuesSchemaText();
  const ajv = valuesAjv({ source: true });
  ajv.addSchema(JSON.parse(text) as object, 'values');
  return precompiledModule(ajv, { values: 'values' }, [text]);
}
