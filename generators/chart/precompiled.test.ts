import { describe, expect, it } from 'vitest';
import { schemasDigest } from '../../src/core/precompiled.js';
import { readyModels } from '../../test/support/example.js';
import { loadModule } from '../../test/support/precompiled.js';
import { serviceValues } from '../helm-values/values.js';
import { valuesAjv, valuesSchemaText, type PrecompiledValuesValidator } from './files.js';
import { precompiledValuesValidatorModule } from './precompile.js';

/**
 * The build ships the chart's values check as Ajv standalone code (dist only; the tests run from
 * source and compile the schema). It must judge every values file as the compiled schema does.
 */
const text = valuesSchemaText();
const compiled = valuesAjv().compile(JSON.parse(text) as object);
const precompiled = loadModule<PrecompiledValuesValidator>(precompiledValuesValidatorModule());

/** The example's values files, and the first with each key, one level deep, removed or of another type. */
function documents(): unknown[] {
  const values = [...readyModels('kubernetes').values()].flatMap((environment) => environment.services.map((service) => serviceValues(environment, service) as unknown as Record<string, unknown>));
  const wrong = [undefined, null, -1, 'x', [], {}];
  const variants = (document: Record<string, unknown>): Array<Record<string, unknown>> =>
    Object.keys(document).flatMap((key) => wrong.map((value) => ({ ...document, [key]: value })));
  const first = values[0]!;
  return [
    ...values,
    ...variants(first),
    ...Object.entries(first).flatMap(([key, inner]) => (inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? variants(inner as Record<string, unknown>).map((changed) => ({ ...first, [key]: changed })) : [])),
  ];
}

describe("the chart's precompiled values validator", () => {
  it('is made from values.schema.json as it is now', () => {
    expect(precompiled.schemasDigest).toBe(schemasDigest([text]));
  });

  it('judges every values file as the compiled schema does', () => {
    const inputs = documents();
    expect(inputs.length).toBeGreaterThan(100);
    let rejected = 0;
    for (const data of inputs) {
      const verdict = compiled(data);
      if (!verdict) rejected++;
      expect({ verdict: precompiled.values(data), errors: precompiled.values.errors }).toEqual({ verdict, errors: compiled.errors });
    }
    expect(rejected).toBeGreaterThan(inputs.length / 2);
  });
});
