import { parse } from '@cdktf/hcl2json';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { cloneModel } from '../support/clone.js';
import { exampleModel, parsedModule, resourceOf } from './support.js';

/** What the parser's Terraform-JSON spelling of a string means as text. */
function unescapeTemplate(text: string): string {
  return text.replace(/\$\$\{/g, () => '${').replace(/%%\{/g, () => '%{');
}

/** The container definitions of a task definition, as values: the jsonencode argument parsed on its own. */
async function containerDefinitions(module: Record<string, any>, task: string): Promise<Array<Record<string, any>>> {
  const source = resourceOf(module, 'aws_ecs_task_definition', task).container_definitions as string;
  const inner = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(source);
  if (!inner) throw new Error(`container_definitions is not a jsonencode call: ${source.slice(0, 40)}`);
  const parsed = (await parse('probe.tf', `probe = ${inner[1]}\n`)) as { probe: Array<Record<string, any>> };
  return parsed.probe;
}

function withHostileEnv(environment: ResolvedEnvironment, value: string): ResolvedEnvironment {
  const copy = cloneModel(environment);
  const api = copy.services.find((service) => service.name === 'api')!;
  api.env = { ...api.env, HOSTILE: value };
  if (copy.infrastructure.whiteLabel) copy.infrastructure.whiteLabel = { ...copy.infrastructure.whiteLabel, brand: { ...copy.infrastructure.whiteLabel.brand!, name: value } };
  return copy;
}

const hostile = fc.oneof(
  fc.constantFrom('"${file("/etc/passwd")}"', '%{ for x in y }${x}%{ endfor }', '\n}\nresource "aws_iam_user" "backdoor" {\n  name = "x"\n', '\\"; rm -rf /', 'é😀\u2028\u202E'),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.array(fc.constantFrom('"', '\\', '\n', '${', '%{', '}', '$', '%', '#', 'x'), { maxLength: 16 }).map((parts) => parts.join('')),
);

describe('text from the inputs cannot inject HCL', () => {
  it('a hostile env value arrives in the ECS container definition as exactly that text, and adds nothing', async () => {
    const base = exampleModel('us-prod');
    const clean = await parsedModule(base);
    await fc.assert(
      fc.asyncProperty(hostile, async (value) => {
        const module = await parsedModule(withHostileEnv(base, value));
        const [api] = await containerDefinitions(module, 'api');
        const entry = api!.environment.find((variable: { name: string }) => variable.name === 'HOSTILE');
        expect(unescapeTemplate(entry.value)).toBe(value.normalize('NFC'));
        expect(Object.keys(module.resource).sort()).toEqual(Object.keys(clean.resource).sort());
        expect(Object.keys(module.resource.aws_ecs_task_definition).sort()).toEqual(Object.keys(clean.resource.aws_ecs_task_definition).sort());
      }),
      { numRuns: 40 },
    );
  });

  it('a hostile brand name (written into a comment) leaves the white-label configuration unchanged', async () => {
    const base = exampleModel('brightpath-wl');
    const clean = await parsedModule(base);
    await fc.assert(
      fc.asyncProperty(hostile, async (value) => {
        expect(await parsedModule(withHostileEnv(base, value))).toEqual(clean);
      }),
      { numRuns: 25 },
    );
  });
});
