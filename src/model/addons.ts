import type { EnvironmentInput, OverlayInput } from './inputs.js';
import type { Entity, Project } from './project.js';
import type { Origin, SourceFile } from './source.js';

/** One entry of an environment's `addons`, as the schema accepts it. */
export interface AddonInput {
  repository: string;
  chart: string;
  version: string;
  namespace?: string;
  createNamespace?: boolean;
  values?: Record<string, unknown>;
  dependsOn?: string[];
}

/**
 * A chart copied into the source tree at `vendor/charts/<chart>-<version>/`: only its values schema
 * and default values are read, so add-on values are checked before anything reaches a cluster.
 */
export interface VendoredChart {
  /** The folder name, `<chart>-<version>`, as add-ons look it up. */
  name: string;
  /** `vendor/charts/<name>/values.schema.json`, parsed with positions; undefined when the chart has none. */
  valuesSchema: SourceFile | undefined;
  /** `vendor/charts/<name>/values.yaml`: the chart's defaults, which Helm coalesces the given values over before it checks them. */
  defaultValues: SourceFile | undefined;
}

/** Where an add-on's chart is pulled from: a classic Helm repository (index.yaml) or an OCI registry. */
export type AddonSource = { kind: 'helm'; url: string } | { kind: 'oci'; url: string };

/** A third-party chart deployed beside the application on a Kubernetes target; every default decided. */
export interface ResolvedAddon {
  name: string;
  source: AddonSource;
  chart: string;
  /** Exactly as written (a range is a finding, and such a target is never rendered). */
  version: string;
  /** The namespace the chart installs into: `namespace`, else the add-on's name. */
  namespace: string;
  /** Whether the reconciler creates `namespace`: false for the target's own, which Slipway renders. */
  createNamespace: boolean;
  /** Values, keys sorted by the serialiser; `{}` when none are given. */
  values: Record<string, unknown>;
  /** Add-ons of the same environment installed first, sorted. */
  dependsOn: string[];
  /** `addons.<name>` in the environment file. */
  origin: Origin;
}

/** Where a vendored copy of a chart lives: `vendor/charts/<chart>-<version>/`, the name `helm pull` gives its archive. */
export const vendoredChartsFolder = 'vendor/charts';
export function vendoredChartName(chart: string, version: string): string {
  return `${chart}-${version}`;
}

/** One add-on as a file declares it: the environment's own, or a shared overlay's it takes. */
export interface AddonDeclaration {
  name: string;
  addon: Partial<AddonInput>;
  /** The file that declares it, where its findings point (`addons.<name>` in it). */
  owner: Entity<EnvironmentInput> | Entity<OverlayInput>;
  /** The overlay's name when an overlay declares it. */
  overlay?: string;
}

/**
 * The add-ons an environment deploys, by name: those of the overlays it takes, in their order, then
 * its own; a later declaration of a name replaces an earlier one. Overlays that failed their schema
 * give none (they are reported, and hold the environment back).
 */
export function addonDeclarations(project: Project, environment: Entity<EnvironmentInput>): AddonDeclaration[] {
  const byName = new Map<string, AddonDeclaration>();
  for (const overlayName of environment.value.overlays ?? []) {
    const overlay = project.overlays.get(overlayName);
    if (!overlay?.valid) continue;
    for (const [name, addon] of Object.entries(overlay.value.addons ?? {})) byName.set(name, { name, addon, owner: overlay, overlay: overlayName });
  }
  for (const [name, addon] of Object.entries(environment.value.addons ?? {})) byName.set(name, { name, addon, owner: environment });
  return [...byName.values()];
}

/**
 * A chart version pinned exactly: SemVer 2 with an optional leading v, as Helm requires of chart
 * versions. Everything else — `^1.2`, `~1.2`, `>=1.2 <2`, `1.x`, `*`, even `1.2` (a constraint to
 * Flux's and Argo CD's semver matching) — would let the reconciler pick another chart than review saw.
 */
export function isExactChartVersion(version: string): boolean {
  return /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(version);
}
