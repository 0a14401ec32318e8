import type { Diagnostic, Severity } from '../diagnostics.js';
import { positionOf, type InputFile, type InputKind, type JsonPath, type SecretsFile, type SourceFile, type SourceTree, type TrustedKey } from '../load/index.js';
import type {
  AttestationPolicy,
  EnvironmentInput,
  ProjectSettings,
  ProvisioningPolicy,
  ReleaseInput,
  SecretsPolicy,
  ServiceInput,
  TargetPolicy,
} from '../model/inputs.js';
import type { ErrorObject } from 'ajv';
import { pointerToPath, schemaDiagnostics } from './schema-diagnostics.js';
import { schemaValidators } from './schemas.js';

/** An input that its schema accepted (`valid`) or rejected; rejected ones still count as existing names. */
export interface Entity<T> {
  name: string;
  source: SourceFile;
  /** The data, less any part the schema rejected. */
  value: T;
  /** Whether rules may read `value` (the schema accepts it, after rejected parts were dropped). */
  valid: boolean;
  /** Whether the file passed its schema as written: rules that judge an absence need this, since a rejected part is absent only in appearance. */
  pristine: boolean;
}

export interface Policies {
  target: TargetPolicy;
  provisioning: ProvisioningPolicy;
  secrets: SecretsPolicy;
  attestation: AttestationPolicy;
  sources: Partial<Record<'target' | 'provisioning' | 'secrets' | 'attestation', Entity<unknown>>>;
}

/** Everything read from a source tree, checked against the schemas, keyed by name. */
export interface Project {
  root: string;
  settings?: Entity<ProjectSettings>;
  services: Map<string, Entity<ServiceInput>>;
  environments: Map<string, Entity<EnvironmentInput>>;
  releases: Map<string, Entity<ReleaseInput>>;
  policies: Policies;
  /** Names of inputs whose file exists but could not be parsed (already reported): they exist for references. */
  unreadable: ReadonlyMap<InputKind, ReadonlySet<string>>;
  trustedKeys: readonly TrustedKey[];
  /** Each environment's encrypted secrets file, when it has one. */
  secretsFiles: ReadonlyMap<string, SecretsFile>;
}

export function schemaCheck(tree: SourceTree): { project: Project; diagnostics: Diagnostic[] } {
  const validators = schemaValidators();
  const diagnostics: Diagnostic[] = [];
  const project: Project = {
    root: tree.root,
    services: new Map(),
    environments: new Map(),
    releases: new Map(),
    policies: { target: {}, provisioning: {}, secrets: {}, attestation: {}, sources: {} },
    secretsFiles: tree.secretsFiles,
    trustedKeys: tree.trustedKeys,
    unreadable: groupNames(tree.unreadable),
  };
  for (const input of tree.files) {
    const validate = validators.get(input.kind)!;
    if (validate(input.source.data)) {
      place(project, input, input.source.data, true, true);
      continue;
    }
    const errors = [...(validate.errors ?? [])];
    diagnostics.push(...schemaDiagnostics(input.source, errors));
    // Drop what the schema rejected and look again: if the rest stands, the rules still check it,
    // so one typo does not hide every other mistake in the same file.
    const pruned = withoutRejectedParts(input.source.data, errors);
    place(project, input, pruned, pruned !== undefined && (validate(pruned) as boolean), false);
  }
  return { project, diagnostics };
}

function place(project: Project, input: InputFile, value: unknown, valid: boolean, pristine: boolean): void {
  const entity = { name: input.name, source: input.source, value, valid, pristine };
  const policyKey = policyKeyOf(input.kind);
  if (policyKey) {
    project.policies.sources[policyKey] = entity;
    // A rejected policy is never applied half-read: the checks that depend on it fall back to none.
    if (valid) (project.policies as unknown as Record<string, unknown>)[policyKey] = value ?? {};
    return;
  }
  switch (input.kind) {
    case 'settings':
      project.settings = entity as Entity<ProjectSettings>;
      break;
    case 'service':
      project.services.set(input.name, entity as Entity<ServiceInput>);
      break;
    case 'environment':
      project.environments.set(input.name, entity as Entity<EnvironmentInput>);
      break;
    case 'release':
      project.releases.set(input.name, entity as Entity<ReleaseInput>);
      break;
  }
}

function groupNames(entries: ReadonlyArray<{ kind: InputKind; name: string }>): Map<InputKind, Set<string>> {
  const groups = new Map<InputKind, Set<string>>();
  for (const { kind, name } of entries) groups.set(kind, (groups.get(kind) ?? new Set()).add(name));
  return groups;
}

/** Whether a service, release or environment of that name exists, readable or not. */
export function exists(project: Project, kind: 'service' | 'release' | 'environment', name: string): boolean {
  const map = kind === 'service' ? project.services : kind === 'release' ? project.releases : project.environments;
  return map.has(name) || (project.unreadable.get(kind)?.has(name) ?? false);
}

function policyKeyOf(kind: InputKind): keyof Policies['sources'] | undefined {
  switch (kind) {
    case 'target-policy':
      return 'target';
    case 'provisioning-policy':
      return 'provisioning';
    case 'secrets-policy':
      return 'secrets';
    case 'attestation-policy':
      return 'attestation';
    default:
      return undefined;
  }
}

/** A diagnostic at a node of an entity's file. */
export function finding(
  entity: Entity<unknown>,
  path: JsonPath,
  code: string,
  message: string,
  options: { key?: boolean; severity?: Severity } = {},
): Diagnostic {
  const position = positionOf(entity.source, path, { key: options.key });
  return {
    severity: options.severity ?? 'error',
    code,
    file: entity.source.path,
    line: position.line,
    column: position.column,
    message,
  };
}

/** Entities that passed their schema, in name order: the only ones rules look inside. */
export function validEntities<T>(map: Map<string, Entity<T>>): Entity<T>[] {
  return [...map.values()].filter((entity) => entity.valid);
}

/**
 * A copy of `data` without the parts the schema rejected: the offending object entry, or the whole
 * array holding an offending item (deleting items would shift the positions of the others).
 */
function withoutRejectedParts(data: unknown, errors: readonly ErrorObject[]): unknown {
  const copy = structuredClone(data);
  for (const error of errors) {
    const path: Array<string | number> = pointerToPath(error.instancePath);
    if (error.keyword === 'additionalProperties') path.push(String((error.params as { additionalProperty: string }).additionalProperty));
    else if (error.propertyName !== undefined) path.push(error.propertyName);
    else if (error.keyword === 'required') continue;
    if (!removeAt(copy, path)) return undefined;
  }
  return copy;
}

function removeAt(root: unknown, path: ReadonlyArray<string | number>): boolean {
  const parents: unknown[] = [root];
  for (const segment of path.slice(0, -1)) {
    const parent = parents[parents.length - 1] as Record<string, unknown> | undefined;
    if (parent === null || typeof parent !== 'object') return true; // already removed with an ancestor
    parents.push(parent[String(segment)]);
  }
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const parent = parents[depth];
    if (parent === null || typeof parent !== 'object') return true;
    if (!Array.isArray(parent)) {
      delete (parent as Record<string, unknown>)[String(path[depth])];
      return true;
    }
  }
  return false; // the document itself is what was rejected
}
