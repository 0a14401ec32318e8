import { describe, expect, it } from 'vitest';
import { renderFile } from '../../src/core/hcl/index.js';
import { terraformAwsGenerator } from '../../generators/terraform-aws/index.js';
import { terraformDigitalOceanGenerator } from '../../generators/terraform-digitalocean/index.js';
import { expectedHclJson } from './expected-json.js';
import { exampleTargets, standalone } from '../support/example.js';
import { parsed, providerListFor, terraformTrees, unknownArguments } from './support.js';

const ready = exampleTargets().filter((target) => target.status === 'ready' && target.model && target.model.provider !== 'bare-metal');

describe('Terraform of every ready cloud target of the example', () => {
  it('covers both clouds and every compute platform', () => {
    const platforms = new Set(ready.map((target) => target.model!.infrastructure.compute.platform));
    expect([...platforms].sort()).toEqual(['doks', 'droplet', 'ec2', 'ecs-fargate', 'eks']);
  });

  for (const target of ready) {
    const environment = target.model!;
    describe(target.name, () => {
      it("every .tf parses with HashiCorp's parser into exactly what the builder meant", async () => {
        for (const [name, file] of terraformTrees(environment)) {
          expect(await parsed(file, name), `${target.name} ${name}`).toEqual(expectedHclJson(file));
        }
      });

      it('uses only resource types and arguments the provider documents', () => {
        const list = providerListFor(environment);
        const problems = [...terraformTrees(environment)].flatMap(([name, file]) => unknownArguments(file, list).map((problem) => `${name}: ${problem}`));
        expect(problems).toEqual([]);
      });

      it('the generator writes exactly these files, and byte-identical ones on a second run', () => {
        const generator = environment.provider === 'aws' ? terraformAwsGenerator : terraformDigitalOceanGenerator;
        expect(generator.appliesTo(environment)).toBe(true);
        const first = generator.generate(environment, standalone);
        const second = generator.generate(environment, standalone);
        expect(second).toEqual(first);
        const decoder = new TextDecoder();
        const written = first.filter((file) => file.path.endsWith('.tf')).map((file) => [file.path, decoder.decode(file.bytes)]);
        expect(written).toEqual([...terraformTrees(environment)].map(([name, file]) => [`terraform/${name}`, renderFile(file)]));
        expect(first.map((file) => file.path)).toContain('terraform/versions.tf');
      });
    });
  }
});
