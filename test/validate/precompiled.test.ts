import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { precompiledValidatorsModule } from '../../src/validate/precompile.js';
import { schemasDigest } from '../../src/core/precompiled.js';
import { compileValidators, schemaTexts, type PrecompiledValidators } from '../../src/validate/schemas.js';
import { fixturesDir, repositoryRoot } from '../support/tree.js';
import { loadModule } from '../support/precompiled.js';
import { corpus } from './corpus-cases.js';

/**
 * The build ships the schemas' validators as ajv standalone code (dist only; the tests run from
 * source and compile the schemas). The generated module must judge every document exactly as the
 * compiled schemas do: same verdict, same errors, so the same findings at the same positions.
 */
const texts = schemaTexts();
const compiled = compileValidators(texts);
const precompiled = loadModule<PrecompiledValidators>(precompiledValidatorsModule());

/** Every input document of the example tree, the fixture trees and the broken-input corpus. */
function documents(): Array<[string, unknown]> {
  const found: Array<[string, string]> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'secrets') walk(path);
      else if (/\.(ya?ml|json)$/.test(entry.name)) found.push([relative(repositoryRoot, path), readFileSync(path, 'utf8')]);
    }
  };
  for (const dir of ['environments', 'services', 'policies', 'releases']) walk(join(repositoryRoot, dir));
  found.push(['slipway.yaml', readFileSync(join(repositoryRoot, 'slipway.yaml'), 'utf8')]);
  for (const tree of ['minimal', 'validate-base']) walk(join(fixturesDir, tree));
  for (const testCase of corpus) {
    for (const [path, text] of Object.entries(testCase.files)) if (text !== null) found.push([`${testCase.name}: ${path}`, text]);
  }
  return found.flatMap(([name, text]) => {
    try {
      return [[name, parse(text) as unknown]];
    } catch {
      return []; // a syntax error never reaches the schemas
    }
  });
}

describe('the precompiled schema validators', () => {
  it('are made from the schemas as they are now', () => {
    expect(precompiled.schemasDigest).toBe(schemasDigest([...texts.values()]));
  });

  const inputs = documents();

  it('have enough documents to compare on', () => {
    expect(inputs.length).toBeGreaterThan(100);
  });

  // Each document against every schema: the wrong kind's schema exercises most of its errors.
  it.each([...compiled.keys()])('judge every document as the compiled %s schema does', (kind) => {
    const compiledValidator = compiled.get(kind)!;
    const precompiledValidator = precompiled[kind];
    for (const [name, data] of inputs) {
      const verdict = compiledValidator(data);
      const errors = compiledValidator.errors;
      expect({ name, verdict: precompiledValidator(data), errors: precompiledValidator.errors }).toEqual({ name, verdict, errors });
    }
  });
});
