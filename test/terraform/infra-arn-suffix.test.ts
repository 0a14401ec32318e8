import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { terraformAwsGenerator } from '../../generators/terraform-aws/index.js';
import { cloneModel } from '../support/clone.js';
import { exampleTargets, standalone } from '../support/example.js';

/**
 * An infraSecrets ARN may name one JSON key (and version) of a secret, as ECS writes it
 * (`…:secret:NAME:json-key:version-stage:version-id`) or as `…#json-key`. Terraform looks the secret
 * up by its own ARN; the task definition reads the key through the suffix ECS understands.
 */
const usProd = exampleTargets().find((target) => target.name === 'us-prod')!.model!;
const base = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:harbor/us-prod/smtp-Ab12Cd';

async function rendered(reference: string): Promise<{ lookup: string; valueFrom: string }> {
  const model = cloneModel(usProd);
  model.secrets.infraReferences = { ...model.secrets.infraReferences, MAIL_PASSWORD: reference };
  const files = new Map(terraformAwsGenerator.generate(model, standalone).map((file) => [file.path, new TextDecoder().decode(file.bytes)]));
  const secrets = (await parse('secrets.tf', files.get('terraform/secrets.tf')!)) as { data: Record<string, Record<string, Array<{ arn: string }>>> };
  const ecs = (await parse('ecs.tf', files.get('terraform/ecs.tf')!)) as { resource: Record<string, Record<string, Array<{ container_definitions: string }>>> };
  const definitions = ecs.resource.aws_ecs_task_definition!.api![0]!.container_definitions;
  const valueFrom = /"name"\s*=\s*"MAIL_PASSWORD"\s*\n?\s*,?\s*"valueFrom"\s*=\s*([^\n}]+)/.exec(definitions)?.[1] ?? /MAIL_PASSWORD[\s\S]*?valueFrom"?\s*[=:]\s*([^\n}]+)/.exec(definitions)?.[1] ?? '';
  return { lookup: secrets.data.aws_secretsmanager_secret!.infra_mail_password![0]!.arn, valueFrom: valueFrom.trim() };
}

describe('infraSecrets ARNs with a JSON key on AWS', () => {
  it('a plain ARN: looked up as written, read whole', async () => {
    const { lookup, valueFrom } = await rendered(base);
    expect(lookup).toBe(base);
    expect(valueFrom).toContain('data.aws_secretsmanager_secret.infra_mail_password.arn');
    expect(valueFrom).not.toContain('format(');
  });

  it('ECS form and #key form: looked up by the secret’s own ARN, read by ECS through :json-key:stage:id', async () => {
    for (const [reference, suffix] of [
      [`${base}:password::`, ':password::'],
      [`${base}#password`, ':password::'],
      [`${base}:password:AWSPREVIOUS:`, ':password:AWSPREVIOUS:'],
    ] as const) {
      const { lookup, valueFrom } = await rendered(reference);
      expect(lookup, reference).toBe(base);
      expect(valueFrom, reference).toContain(`format("%s${suffix}", data.aws_secretsmanager_secret.infra_mail_password.arn)`);
    }
  });
});
