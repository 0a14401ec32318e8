import type { Diagnostic, Severity } from '../core/diagnostics.js';
import { positionOf, type InputKind, type JsonPath, type Origin, type SecretsFile, type SourceFile, type TrustedKey, type CommitKey } from './source.js';
import type { VendoredChart } from './addons.js';
import type { ConfigFileContent } from './service-options.js';
import type { AttestationPolicy, EnvironmentInput, OverlayInput, ProjectSettings, ProvisioningPolicy, ReleaseInput, SecretsPolicy, ServiceInput, TargetPolicy } from './inputs.js';

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
  /**
   * Whether the names `value` uses may be checked although it is not valid: what is left after the
   * rejected parts were dropped is well-typed, and lacks only required keys. Reference rules read it
   * (every field may be absent), so a schema error and a wrong name are reported in one pass.
   */
  referable?: boolean;
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
  /** `keys/*.pub.asc`: the OpenPGP keys deploy commits may be signed with, sorted by file name. */
  commitKeys: readonly CommitKey[];
  /** Each environment's encrypted secrets file, when it has one. */
  secretsFiles: ReadonlyMap<string, SecretsFile>;
  /** `vendor/charts/<chart>-<version>/`: third-party charts copied into the tree, by folder name. */
  vendoredCharts: ReadonlyMap<string, VendoredChart>;
  /** `overlays/<name>/overlay.yaml`: extras several environments share. */
  overlays: Map<string, Entity<OverlayInput>>;
  /**
   * The patch, manifest and Compose override files environments and overlays name, by path from the
   * root, parsed with positions; `null` for one that could not be read or failed its checks (reported).
   * Set by the load stage after the schemas (`loadExtraFiles`); absent before.
   */
  extraFiles?: ReadonlyMap<string, SourceFile | null>;
  /** The config files services mount (`configFiles`), by path from the root; one that could not be read is absent (and reported). */
  configFiles?: ReadonlyMap<string, ConfigFileContent>;
}

/** Whether a service, release or environment of that name exists, readable or not. */
export function exists(project: Project, kind: 'service' | 'release' | 'environment', name: string): boolean {
  const map = kind === 'service' ? project.services : kind === 'release' ? project.releases : project.environments;
  return map.has(name) || (project.unreadable.get(kind)?.has(name) ?? false);
}

/** A diagnostic at a node of an entity's file. */
export function finding(
  entity: Entity<unknown>,
  path: JsonPath,
  code: string,
  message: string,
  options: { key?: boolean; severity?: Severity } = {},
): Diagnostic {
  return findingAt({ source: entity.source, path }, code, message, options);
}

/** A diagnostic at a node the resolved model remembers (an `Origin`), optionally deeper inside it. */
export function findingAt(origin: Origin, code: string, message: string, options: { under?: JsonPath; key?: boolean; severity?: Severity } = {}): Diagnostic {
  const position = positionOf(origin.source, [...origin.path, ...(options.under ?? [])], { key: options.key });
  return {
    severity: options.severity ?? 'error',
    code,
    file: origin.source.path,
    line: position.line,
    column: position.column,
    message,
  };
}

/** Entities whose names reference rules may check: valid ones, and those lacking only required keys. */
export function referableEntities<T>(map: Map<string, Entity<T>>): Entity<T>[] {
  return [...map.values()].filter((entity) => entity.valid || entity.referable === true);
}

/** Entities that passed their schema, in name order: the only ones rules look inside. */
export function validEntities<T>(map: Map<string, Entity<T>>): Entity<T>[] {
  return [...map.values()].filter((entity) => entity.valid);
}
