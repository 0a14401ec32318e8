import { interpolations, references } from './hcl-expression.js';
import { isDeclaredReference } from './resolve-references.js';
import { literal, type TerraformCatalogue } from './terraform-catalogue.js';

/**
 * The wiring check of an ECS target: every `secrets[].valueFrom` of every container definition is
 * a Secrets Manager secret this Terraform creates (`${aws_secretsmanager_secret.X.arn}`, or with a
 * `:json-key::` suffix whose key its `secret_string` writes) or reads from a declared infraSecrets
 * ARN (`${data.aws_secretsmanager_secret.X.arn}`, or the ARN itself); every reference anywhere in a
 * container definition (`environment[].value`, log options …) names something this Terraform
 * declares.
 */

export interface EcsOutput {
  environment: string;
  terraform: TerraformCatalogue;
  infraReferences: readonly string[];
}

export interface EcsContainer {
  /** `aws_ecs_task_definition.api` */
  taskDefinition: string;
  family: string | undefined;
  container: Record<string, any>;
}

/** Every container definition of every task definition, or a problem when one cannot be read. */
export function ecsContainers(terraform: TerraformCatalogue): { containers: EcsContainer[]; problems: string[] } {
  const containers: EcsContainer[] = [];
  const problems: string[] = [];
  const named = (terraform.module.resource?.aws_ecs_task_definition ?? {}) as Record<string, Array<Record<string, any>>>;
  for (const [name, bodies] of Object.entries(named)) {
    for (const body of bodies) {
      const address = `aws_ecs_task_definition.${name}`;
      let definitions = terraform.decoded(body.container_definitions);
      if (typeof definitions === 'string' && literal(definitions) !== undefined) definitions = JSON.parse(definitions);
      if (!Array.isArray(definitions)) {
        problems.push(`${address}: container_definitions is neither jsonencode([…]) nor a JSON list`);
        continue;
      }
      for (const container of definitions) containers.push({ taskDefinition: address, family: literal(body.family), container: container as Record<string, any> });
    }
  }
  return { containers, problems };
}

/** The secret a `valueFrom` reads: an expression (`${…}`) or a literal ARN, and the JSON key after it, if any. */
export function splitValueFrom(valueFrom: string): { expression: string | undefined; arn: string | undefined; key: string | undefined } {
  const match = /^\$\{([^}]*)\}(.*)$/s.exec(valueFrom);
  if (match) {
    const inner = match[1]!.trim();
    // `format("%s:KEY::", X.arn)`: Terraform appends the JSON key's suffix to the ARN.
    const formatted = /^format\("%s(:[^"%]*)",\s*([^\s,()]+)\)$/.exec(inner);
    const [expression, suffix] = formatted ? [formatted[2]!, formatted[1]!] : [inner, match[2]!];
    return { expression, arn: undefined, key: suffix.startsWith(':') ? suffix.split(':')[1] || undefined : undefined };
  }
  // arn:aws:secretsmanager:region:account:secret:name[:json-key:version-stage:version-id]
  const parts = valueFrom.split(':');
  return { expression: undefined, arn: parts.slice(0, 7).join(':'), key: parts[7] || undefined };
}

function secretProblem(output: EcsOutput, valueFrom: unknown): string | undefined {
  if (typeof valueFrom !== 'string') return 'not a string';
  const { expression, arn, key } = splitValueFrom(valueFrom);
  if (arn !== undefined) return isDeclaredReference(arn, key, output.infraReferences) ? undefined : 'not a declared infraSecrets reference';
  const [address] = references(expression ?? '');
  if (address === undefined) return 'names no secret';
  if (!expression!.endsWith('.arn') && !expression!.endsWith('.id')) return `reads ${expression}, not an ARN`;
  const created = output.terraform.secrets.get(address);
  if (created) return key === undefined || created.properties.has(key) ? undefined : `${address} writes no key ${key}`;
  const lookup = output.terraform.lookups.get(address);
  if (lookup) {
    const declared = [lookup.arn, lookup.name].some((name) => name !== undefined && isDeclaredReference(name, undefined, output.infraReferences));
    return declared ? undefined : `${address} looks up ${lookup.arn ?? lookup.name ?? 'a computed secret'}, not a declared infraSecrets reference`;
  }
  if (address.startsWith('aws_ssm_parameter.') && output.terraform.declared.has(address)) return undefined;
  return 'nothing creates it';
}

/** Every reference in a value, with where it sits: `environment DB_HOST`, `logConfiguration.options.awslogs-group`. */
function referencesIn(value: unknown, path: string): Array<{ path: string; address: string }> {
  if (typeof value === 'string') return interpolations(value).flatMap(references).map((address) => ({ path, address }));
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => referencesIn(item, item !== null && typeof item === 'object' && 'name' in item ? `${path} ${item.name}` : `${path}[${index}]`));
  }
  if (value !== null && typeof value === 'object') {
    // `{ name = "DB_HOST", value = … }` reads as `environment DB_HOST`.
    const named = 'name' in value;
    return Object.entries(value).flatMap(([key, child]) => referencesIn(child, named && (key === 'value' || key === 'valueFrom') ? path : path === '' ? key : `${path}.${key}`));
  }
  return [];
}

/** Every dangling reference of one ECS target, sorted; empty when it is wired. */
export function danglingEcsReferences(output: EcsOutput): string[] {
  const { containers, problems } = ecsContainers(output.terraform);
  const lines = [...problems];
  for (const { taskDefinition, container } of containers) {
    const from = `${taskDefinition} container ${container.name}`;
    for (const secret of Array.isArray(container.secrets) ? container.secrets : []) {
      const problem = secretProblem(output, secret.valueFrom);
      if (problem) lines.push(`${from}: ${secret.name} → ${secret.valueFrom}: ${problem}`);
    }
    const { secrets: _secrets, ...rest } = container;
    for (const { path, address } of referencesIn(rest, '')) {
      if (!output.terraform.declared.has(address)) lines.push(`${from}: ${path} → ${address}: nothing declares it`);
    }
  }
  return [...new Set(lines)].map((line) => `env/${output.environment} ${line}`).sort();
}

/** The variables each container definition gives its container: `environment` and `secrets` names. */
export function ecsContainerVariables(container: Record<string, any>): Set<string> {
  const entries = [...(Array.isArray(container.environment) ? container.environment : []), ...(Array.isArray(container.secrets) ? container.secrets : [])];
  return new Set(entries.map((entry: { name: string }) => entry.name));
}
