import { compareText } from '../../src/core/diagnostics.js';
import { call, data, ref, resource, type Block, type Expression, type Value } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { parseSecretsManagerArn } from '../infrastructure-shared/secret-references.js';
import { addOutput } from '../infrastructure-shared/terraform.js';
import type { AwsContext } from './context.js';

/**
 * `infraSecrets` entries that live in AWS Secrets Manager, by name: the secret's own ARN (what a data
 * source can look up) and the suffix ECS appends to read one JSON key or version of it.
 */
export function awsInfraSecrets(environment: ResolvedEnvironment): Array<{ name: string; arn: string; ecsSuffix: string }> {
  return Object.entries(environment.secrets.infraReferences)
    .flatMap(([name, reference]) => {
      const parsed = parseSecretsManagerArn(reference);
      return parsed ? [{ name, arn: parsed.arn, ecsSuffix: parsed.ecsSuffix }] : [];
    })
    .sort((a, b) => compareText(a.name, b.name));
}

/** Every secret some service reads by name, sorted: the ones it declares, and the generated ones its connections read. */
export function secretsReadByServices(environment: ResolvedEnvironment): string[] {
  const names = environment.services.flatMap((service) => [
    ...service.secretNames,
    ...service.connections.flatMap((variable) => (variable.source.kind === 'generated-secret' ? [variable.source.secret] : [])),
  ]);
  return [...new Set(names)].sort(compareText);
}

/** Generated secrets ECS tasks read (declared, or a connection's password): their values come from the SOPS file, never from Terraform. */
function ecsGeneratedSecrets(environment: ResolvedEnvironment): string[] {
  if (environment.runtime !== 'ecs') return [];
  const used = new Set(secretsReadByServices(environment));
  return environment.secrets.generated.filter((secret) => used.has(secret.name)).map((secret) => secret.name);
}

/** The ARN a container reads a secret from, when there is one on AWS. */
export function secretArn(environment: ResolvedEnvironment, name: string): Expression | undefined {
  const infra = awsInfraSecrets(environment).find((secret) => secret.name === name);
  if (infra) {
    const arn = ref('data.aws_secretsmanager_secret', `infra_${label(name)}`, 'arn');
    return infra.ecsSuffix === '' ? arn : call('format', `%s${infra.ecsSuffix}`, arn);
  }
  if (ecsGeneratedSecrets(environment).includes(name)) return ref('aws_secretsmanager_secret', `generated_${label(name)}`, 'arn');
  return undefined;
}

/**
 * Secrets Manager: data sources for the infrastructure's secrets (by reference — Terraform reads
 * their metadata, never a value), and on ECS an empty secret per generated secret, which the deploy
 * fills from secrets/secrets.sops.yaml (`aws secretsmanager put-secret-value`).
 */
export function secrets(context: AwsContext): Block[] {
  const environment = context.environment;
  const blocks: Block[] = [];
  const arns: Record<string, Value> = {};
  for (const secret of awsInfraSecrets(environment)) {
    blocks.push(data('aws_secretsmanager_secret', `infra_${label(secret.name)}`, { arn: secret.arn }));
    arns[secret.name] = ref('data.aws_secretsmanager_secret', `infra_${label(secret.name)}`, 'arn');
  }
  const generated = ecsGeneratedSecrets(environment);
  for (const name of generated) {
    blocks.push(
      resource(
        'aws_secretsmanager_secret',
        `generated_${label(name)}`,
        {
          name: `${context.name}/${name}`,
          description: `${name} of ${context.name}: the value is put from secrets/secrets.sops.yaml by the deploy, never by Terraform`,
          recovery_window_in_days: context.production ? 30 : 7,
        },
        name === generated[0] ? ['Secrets the ECS tasks read. Terraform creates them empty; their values never pass through Terraform or its state.'] : undefined,
      ),
    );
    arns[name] = ref('aws_secretsmanager_secret', `generated_${label(name)}`, 'arn');
  }
  if (Object.keys(arns).length > 0) addOutput(context, 'secret_arns', arns, 'Secrets Manager ARN of each secret the services read');
  return blocks;
}
