import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../core/diagnostics.js';
import type { InputFile, SourceTree } from '../load/index.js';
import type { Entity, EnvironmentInput, InputKind, OverlayInput, Policies, Project, ProjectSettings, ReleaseInput, ServiceInput } from '../model/index.js';
import { pointerToPath, schemaDiagnostics } from './schema-diagnostics.js';
import { schemaValidators } from './schemas.js';

/**
 * The first half of validation: every input against its JSON Schema. Builds the Project that the
 * rules and the resolver read; a rejected part is dropped so one typo does not hide other mistakes.
 */
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
    configFiles: tree.configFiles,
    trustedKeys: tree.trustedKeys,
    commitKeys: tree.commitKeys,
    vendoredCharts: tree.vendoredCharts,
    unreadable: groupNames(tree.unreadable),
    overlays: new Map(),
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
    const valid = pruned !== undefined && (validate(pruned) as boolean);
    // A rest that lacks only required keys still says which names it uses: worth checking now.
    const referable = !valid && isMapping(pruned) && (validate.errors ?? []).every((error) => error.keyword === 'required');
    place(project, input, pruned, valid, false, referable);
  }
  return { project, diagnostics };
}

function place(project: Project, input: InputFile, value: unknown, valid: boolean, pristine: boolean, referable = false): void {
  const entity = { name: input.name, source: input.source, value, valid, pristine, ...(referable ? { referable } : {}) };
  const policyKey = policyKeyOf(input.kind);
  if (policyKey) {
    project.policies.sources[policyKey] = entity;
    // A rejected policy is never applied half-read: the checks that depend on it fall back to none.
    if (valid) (project.policies as unknown as Record<string, unknown>)[policyKey] = value ?? {};
    return;
  }
  switch (input.kind) {
    case 'settings':
      // Environments are still resolved beside a settings file the schema refused (or an empty
      // one): they read only what of it is a mapping, and its findings stand on their own.
      project.settings = { ...entity, value: value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {} } as Entity<ProjectSettings>;
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
    case 'overlay':
      project.overlays.set(input.name, entity as Entity<OverlayInput>);
      break;
  }
}

function groupNames(entries: ReadonlyArray<{ kind: InputKind; name: string }>): Map<InputKind, Set<string>> {
  const groups = new Map<InputKind, Set<string>>();
  for (const { kind, name } of entries) groups.set(kind, (groups.get(kind) ?? new Set()).add(name));
  return groups;
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

/**
 * A copy of `data` without the parts the schema rejected: the offending object entry, or the whole
 * array holding an offending item (deleting items would shift the positions of the others).
 */
function isMapping(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

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
