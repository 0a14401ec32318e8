import { parse } from '@cdktf/hcl2json';
import { callArgumentText, hclValues, interpolationBody, references } from './hcl-expression.js';

/**
 * What one environment's Terraform declares, as far as wiring is concerned: every address a
 * reference can point at, the AWS Secrets Manager secrets it creates with the JSON keys it writes
 * into them, the secrets it only reads (data sources, for infraSecrets ARNs), and the Kubernetes
 * objects its Kubernetes provider creates. Read through HashiCorp's parser (@cdktf/hcl2json); the
 * insides of `jsonencode(…)` and of object expressions it leaves as text are handed back to it.
 */

export type Module = Record<string, any>;

export interface SecretsManagerSecret {
  /** `aws_secretsmanager_secret.<name>` */
  address: string;
  /** The secret's `name`, when it is a literal. */
  name: string | undefined;
  /** Keys of the JSON object a `aws_secretsmanager_secret_version` writes into it (empty: no version, or not an object Slipway wrote literally). */
  properties: Set<string>;
}

export interface SecretsManagerLookup {
  /** `data.aws_secretsmanager_secret.<name>` */
  address: string;
  arn: string | undefined;
  name: string | undefined;
}

/** A Secret, ConfigMap, ServiceAccount or other object Terraform creates in a cluster; `keys` undefined when not literal. */
export interface TerraformKubernetesObject {
  address: string;
  kind: string;
  name: string | undefined;
  namespace: string | undefined;
  keys: Set<string> | undefined;
  /** For `kubernetes_manifest`: the manifest, as data. */
  manifest?: Record<string, unknown>;
}

export interface TerraformCatalogue {
  /** Every address declared: `aws_x.n`, `data.aws_x.n`, `var.n`, `local.n`, `module.n`, `output.n`. */
  declared: Set<string>;
  secrets: Map<string, SecretsManagerSecret>;
  lookups: Map<string, SecretsManagerLookup>;
  kubernetes: TerraformKubernetesObject[];
  /** The module as hcl2json merged it: `{ resource: { type: { name: [body] } }, data: …, … }`. */
  module: Module;
  /** An attribute as data: `${jsonencode(x)}` as what it encodes, `${{…}}` as the object; any other value as it is. */
  decoded(value: unknown): unknown;
}

/** Parses every `.tf` file and merges them by block kind; test/terraform/support.ts reads the generators' files through it too. */
export async function parseTerraform(files: ReadonlyArray<{ name: string; text: string }>): Promise<Module> {
  const merged: Module = {};
  for (const file of files.filter((candidate) => candidate.name.endsWith('.tf'))) {
    const json = (await parse(file.name, file.text)) as Module;
    for (const [kind, value] of Object.entries(json)) {
      if (Array.isArray(value)) merged[kind] = [...(merged[kind] ?? []), ...value];
      else {
        merged[kind] ??= {};
        for (const [type, named] of Object.entries(value as Record<string, object>)) {
          // One-label blocks (provider "aws" { … }) are arrays of bodies; two-label ones objects by name.
          merged[kind][type] = Array.isArray(named) ? [...(merged[kind][type] ?? []), ...named] : { ...(merged[kind][type] ?? {}), ...named };
        }
      }
    }
  }
  return merged;
}

/** A literal string (no interpolation), else undefined. */
export function literal(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /(?<!\$)\$\{/.test(value) ? undefined : value.replace(/\$\$\{/g, '${');
}

/** The text hcl2json left unparsed that stands for data: a `jsonencode(…)` argument, or an object expression. */
function encodedText(value: string): string | undefined {
  const argument = callArgumentText(value, 'jsonencode');
  if (argument !== undefined) return argument;
  const body = interpolationBody(value);
  return body?.startsWith('{') ? body : undefined;
}

/** Every such text in the module (and in what it decodes to), read by HashiCorp's parser: the value as hcl2json gave it → the data it stands for. */
async function decodeAll(module: Module): Promise<Map<string, unknown>> {
  const decoded = new Map<string, unknown>();
  const pending = new Map<string, string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const text = decoded.has(value) ? undefined : encodedText(value);
      if (text !== undefined) pending.set(value, text);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(module);
  // One parse per level of nesting (a jsonencode inside a decoded object, …), usually one.
  while (pending.size > 0) {
    const batch = [...pending];
    pending.clear();
    const values = await hclValues(batch.map(([, text]) => text));
    batch.forEach(([value], index) => decoded.set(value, values[index]));
    values.forEach(visit);
  }
  return decoded;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The keys of an object an attribute holds (decoded: an object, `jsonencode({…})`, `${{…}}`), or of a JSON string. */
function objectKeys(data: unknown): Set<string> | undefined {
  if (typeof data === 'string' && literal(data) !== undefined) {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  return isObject(data) ? new Set(Object.keys(data).filter((key) => !key.startsWith('${'))) : undefined;
}

function bodies(module: Module, kind: 'resource' | 'data', type: string): Array<[string, Record<string, any>]> {
  return Object.entries((module[kind]?.[type] ?? {}) as Record<string, Array<Record<string, any>>>).flatMap(([name, list]) => list.map((body) => [name, body] as [string, Record<string, any>]));
}

const kubernetesKinds: Record<string, string> = {
  kubernetes_secret: 'Secret',
  kubernetes_secret_v1: 'Secret',
  kubernetes_config_map: 'ConfigMap',
  kubernetes_config_map_v1: 'ConfigMap',
  kubernetes_service_account: 'ServiceAccount',
  kubernetes_service_account_v1: 'ServiceAccount',
  kubernetes_service: 'Service',
  kubernetes_service_v1: 'Service',
};

export async function terraformCatalogue(module: Module): Promise<TerraformCatalogue> {
  const decodedValues = await decodeAll(module);
  const decoded = (value: unknown): unknown => (typeof value === 'string' && decodedValues.has(value) ? decodedValues.get(value) : value);
  const declared = new Set<string>();
  for (const kind of ['resource', 'data'] as const) {
    for (const [type, named] of Object.entries((module[kind] ?? {}) as Record<string, object>)) {
      for (const name of Object.keys(named)) declared.add(`${kind === 'data' ? 'data.' : ''}${type}.${name}`);
    }
  }
  for (const [kind, prefix] of [['variable', 'var'], ['output', 'output'], ['module', 'module']] as const) {
    for (const name of Object.keys((module[kind] ?? {}) as object)) declared.add(`${prefix}.${name}`);
  }
  for (const locals of (module.locals ?? []) as Array<Record<string, unknown>>) for (const name of Object.keys(locals)) declared.add(`local.${name}`);

  const secrets = new Map<string, SecretsManagerSecret>();
  for (const [name, body] of bodies(module, 'resource', 'aws_secretsmanager_secret')) {
    secrets.set(`aws_secretsmanager_secret.${name}`, { address: `aws_secretsmanager_secret.${name}`, name: literal(body.name), properties: new Set() });
  }
  for (const [, body] of bodies(module, 'resource', 'aws_secretsmanager_secret_version')) {
    const target = typeof body.secret_id === 'string' ? references(body.secret_id).find((address) => address.startsWith('aws_secretsmanager_secret.')) : undefined;
    const secret = target === undefined ? undefined : secrets.get(target);
    for (const key of objectKeys(decoded(body.secret_string)) ?? []) secret?.properties.add(key);
  }
  const lookups = new Map<string, SecretsManagerLookup>();
  for (const [name, body] of bodies(module, 'data', 'aws_secretsmanager_secret')) {
    const address = `data.aws_secretsmanager_secret.${name}`;
    lookups.set(address, { address, arn: literal(body.arn), name: literal(body.name) });
  }

  const kubernetes: TerraformKubernetesObject[] = [];
  for (const [type, kind] of Object.entries(kubernetesKinds)) {
    for (const [name, body] of bodies(module, 'resource', type)) {
      const metadata = (Array.isArray(body.metadata) ? body.metadata[0] : body.metadata) as Record<string, unknown> | undefined;
      const keys = kind === 'Secret' || kind === 'ConfigMap' ? unionKeys(decoded(body.data), decoded(body.binary_data)) : undefined;
      kubernetes.push({ address: `${type}.${name}`, kind, name: literal(metadata?.name), namespace: literal(metadata?.namespace), keys });
    }
  }
  for (const [name, body] of bodies(module, 'resource', 'kubernetes_manifest')) {
    const value = decoded(body.manifest);
    const manifest = isObject(value) ? value : undefined;
    const metadata = manifest?.metadata as Record<string, unknown> | undefined;
    kubernetes.push({
      address: `kubernetes_manifest.${name}`,
      kind: literal(manifest?.kind) ?? '?',
      name: literal(metadata?.name),
      namespace: literal(metadata?.namespace),
      keys: manifest?.kind === 'Secret' || manifest?.kind === 'ConfigMap' ? unionKeys(decoded(manifest.data), decoded(manifest.stringData), decoded(manifest.binaryData)) : undefined,
      ...(manifest ? { manifest } : {}),
    });
  }
  return { declared, secrets, lookups, kubernetes, module, decoded };
}

/** Keys of several optional maps; undefined when one of them is present but not literal. */
function unionKeys(...maps: unknown[]): Set<string> | undefined {
  const keys = new Set<string>();
  for (const map of maps) {
    if (map === undefined || map === null) continue;
    const found = objectKeys(map);
    if (!found) return undefined;
    for (const key of found) keys.add(key);
  }
  return keys;
}
