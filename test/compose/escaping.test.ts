import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeDocument, composeYamlBytes, unescapeInterpolation } from '../../generators/compose/compose-file.js';
import { composePlan } from '../../generators/compose/plan.js';
import { cloneModel } from '../support/clone.js';
import { composeSpecValidator, exampleComposeModels } from './support.js';

const base = exampleComposeModels().get('northwind-onprem')!;

/** Fragments Compose or YAML would misread if they were pasted rather than serialised and escaped. */
const hostileFragment = fc.oneof(
  fc.constantFrom('${HOME}', '${DB_PASSWORD:-x}', '$VAR', '$$', '$', '$1', '#', ' #comment', "'", '"', '\\', '\n', '\r\n', '\t', ': ', '- ', '---', '...', '{a: 1}', '[1]', '&anchor', '*alias', '!!str', '%YAML', '`id`', '$(id)', 'no', 'off', 'yes', '0o17', '0x1F', '1e3', 'null', '~', '<<', '=', ' ', 'ü', '✓', '🚀', '\u200b', '\u0085', '\u2028'),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const hostileValue = fc.array(hostileFragment, { maxLength: 6 }).map((parts) => parts.join(''));

describe('hostile values reach the Compose file exactly', () => {
  it('env values and commands: parsed back and unescaped as Compose does ($$ → $), they equal the model', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/), hostileValue, { maxKeys: 6 }), fc.array(hostileValue, { minLength: 1, maxLength: 4 }), (env, command) => {
        delete env.APP_DEBUG; // production forces it to "false", on purpose
        const model = cloneModel(base);
        const worker = model.services.find((service) => service.name === 'worker')!;
        worker.env = env;
        worker.command = command;
        const text = new TextDecoder().decode(composeYamlBytes(composeDocument(composePlan(model))));
        const document = parse(text) as { services: Record<string, { environment?: Record<string, string>; command: string[] }> };
        const composed = document.services.worker!;
        for (const [key, value] of Object.entries(env)) {
          expect(typeof composed.environment![key]).toBe('string');
          expect(unescapeInterpolation(composed.environment![key]!)).toBe(value);
          // Every `$` doubled: Compose never sees an interpolation in a value.
          expect(composed.environment![key]!.replaceAll('$$', '')).not.toContain('$');
        }
        expect(composed.command.map(unescapeInterpolation)).toEqual(command);
        expect(composeSpecValidator()(document)).toBe(true);
        // YAML 1.1 readers (PyYAML: docker-compose 1.x, Ansible) read the same strings.
        expect(parse(text, { version: '1.1' })).toEqual(document);
      }),
      { numRuns: 100 },
    );
  });
});
