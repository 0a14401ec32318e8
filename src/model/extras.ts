import type { Origin, SourceFile } from './source.js';

/**
 * Patches, extra manifests and a Compose override an environment takes from its own file and from
 * the shared overlays it names: read and checked by the load stage, resolved into these types, so
 * generators never read a user's file themselves.
 */

/** The object a kustomize patch selects (kustomize's `target`). */
export interface PatchTarget {
  group?: string;
  version?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** The group and version of an apiVersion, as kustomize's target has them: "apps/v1" is apps and v1, "v1" is the core group "". */
export function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return { group: slash === -1 ? '' : apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export interface ResolvedPatch {
  /** A mapping of fields to merge (strategic merge), or a list of RFC 6902 operations. */
  kind: 'strategic-merge' | 'json6902';
  /** Where the patch is written, relative to k8s/ (`patches/…`). */
  output: string;
  /** What it selects: the entry's `target`, else (strategic merge) the patch's own apiVersion, kind and name. */
  target: PatchTarget;
  /** The parsed patch, as the file holds it. */
  content: unknown;
  /** The patch file, for findings at an operation's line. */
  file: SourceFile;
  /** The entry that names it (in the environment's or the overlay's file). */
  origin: Origin;
  /** Where a target that selects nothing is reported: the entry's `target`, else the patch's own `metadata`. */
  targetOrigin: Origin;
}

export interface ExtraManifest {
  /** Where it is written, relative to k8s/ (`extra/…`). */
  output: string;
  /** The object, with `metadata.namespace` defaulted to the environment's namespace for a namespaced kind. */
  object: Record<string, unknown>;
  file: SourceFile;
  origin: Origin;
}

export interface ComposeOverride {
  /** The override as data, merged by Compose over the generated docker-compose.yml. */
  content: Record<string, unknown>;
  file: SourceFile;
  origin: Origin;
}

export interface EnvironmentExtras {
  /** The overlays' patches in the order the environment names them, then its own. */
  patches: ResolvedPatch[];
  manifests: ExtraManifest[];
  composeOverride: ComposeOverride | undefined;
  /** Every source file these came from (overlay files included): a finding in one holds the environment back. */
  files: string[];
}
