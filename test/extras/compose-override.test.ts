import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeFiles } from '../../generators/compose/index.js';
import { composeSpecValidator, exampleComposeModels } from '../compose/support.js';

/** The example's Compose override is a Compose file the Compose Specification accepts, for a service the generated file has. */
it('northwind-onprem renders its override as docker-compose.override.yml, valid under the Compose schema', () => {
  const model = exampleComposeModels().get('northwind-onprem')!;
  const files = composeFiles(model);
  const override = parse(new TextDecoder().decode(files.get('docker-compose.override.yml')!)) as { services: Record<string, unknown> };
  const base = parse(new TextDecoder().decode(files.get('docker-compose.yml')!)) as { services: Record<string, unknown> };
  const validate = composeSpecValidator();
  expect(validate(override), JSON.stringify(validate.errors)).toBe(true);
  expect(Object.keys(override.services).every((name) => name in base.services)).toBe(true);
  expect(override.services.api).toEqual({ logging: { driver: 'journald', options: { tag: 'harbor-api' } } });
});
