import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../../src/load/json-syntax.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { repositoryRoot, useTrees } from '../support/tree.js';

/** service.json is strict JSON: a mistake is a `json-syntax` finding at its line and column, in JSON's terms. */

const makeTree = useTrees();
const apiText = readFileSync(join(repositoryRoot, 'test', 'fixtures', 'minimal', 'services', 'api', 'service.json'), 'utf8');

async function findingsFor(serviceJson: string) {
  const root = makeTree({ 'services/api/service.json': serviceJson });
  const run = await runCli(['validate', '--format', 'json'], { cwd: root });
  return { exitCode: run.exitCode, findings: parseJsonLines(run.stdout).filter((finding) => finding.file === 'services/api/service.json') };
}

describe('service.json is read as strict JSON', () => {
  it("the README's commented example is a JSON error at the first comment, not an unknown key", async () => {
    const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
    const example = /### services\/api\/service\.json\n\n```jsonc\n([\s\S]*?)```/.exec(readme)![1]!;
    const { exitCode, findings } = await findingsFor(example);
    expect(exitCode).toBe(1);
    const line = example.split('\n').findIndex((text) => text.includes('//')) + 1;
    const column = example.split('\n')[line - 1]!.indexOf('//') + 1;
    expect(findings).toEqual([{ severity: 'error', code: 'json-syntax', file: 'services/api/service.json', line, column, message: 'JSON has no comments; remove this one; fix the JSON syntax here' }]);
  });

  it('a missing comma is reported at the token after it', async () => {
    const { findings } = await findingsFor(apiText.replace('"role": "api",', '"role": "api"'));
    expect(findings).toEqual([expect.objectContaining({ code: 'json-syntax', line: 4, column: 3, message: expect.stringMatching(/^"\\"" where "," or "}" belongs; fix the JSON syntax here$/) })]);
  });

  it('YAML that is not JSON is refused: single quotes, bare words, trailing commas, a second value', () => {
    const cases: Array<[string, number, RegExp]> = [
      ["{'name': 'api'}", 1, /double quotes/],
      ['{"name": api}', 9, /"a" where a value belongs/],
      ['{"name": "api",}', 15, /a comma before "}" is one too many/],
      ['["a",]', 5, /a comma before "]" is one too many/],
      ['{"a": 1} {"b": 2}', 9, /the end of the file/],
      ['{"a": "x\ty"}', 8, /control character/],
      ['{"a": "\\q"}', 7, /unknown escape \\q/],
      ['{"a": 01}', 7, /"1" where "," or "}" belongs/],
      ['{"a": 1', 7, /the text ends/],
      ['', 0, /the text ends/],
      ['name: api\n', 0, /"n" where a value belongs/],
      ['[[[[' .repeat(100), 257, /nested more than 256 levels/],
    ];
    for (const [text, offset, message] of cases) {
      const problem = jsonSyntaxError(text);
      expect(problem, text).toBeDefined();
      expect(problem!.message, text).toMatch(message);
      expect(problem!.offset, text).toBe(offset);
    }
  });

  it('valid JSON passes, with a BOM, escapes, numbers and nesting', () => {
    for (const text of ['\uFEFF{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n\\/"], "b": {}}', ' [] ', '"x"', '0', apiText]) {
      expect(jsonSyntaxError(text), text).toBeUndefined();
    }
  });

  it('valid JSON keeps the schema findings at their positions', async () => {
    const { findings } = await findingsFor(apiText.replace('"scaling":', '"scalling":'));
    expect(findings).toEqual([expect.objectContaining({ code: 'unknown-key', line: 12, column: 3 })]);
  });
});
