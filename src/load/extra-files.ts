import type { Diagnostic } from '../core/diagnostics.js';
import { findingAt, type Entity, type JsonPath, type Origin, type OverlayInput, type PatchInput, type Project, type SourceFile } from '../model/index.js';
import { readSourceFile } from './read-files.js';
import { manifestShapeFindings, patchShapeFindings } from './extra-shapes.js';

/**
 * The second read of the source tree, once the schemas have passed: the patch, manifest and Compose
 * override files that environments and shared overlays name. A path is taken relative to the folder
 * of the file that names it and must stay inside that folder — never absolute, never `..` — and the
 * file is read with the same reader and policy as every input (a link out of the tree is refused),
 * parsed with positions, and its shape checked, so a mistake in it is a finding at its own line.
 */

export interface ExtraFilesResult {
  /** By path from the root; `null` for a file that was refused or failed a check (already reported). */
  files: Map<string, SourceFile | null>;
  diagnostics: Diagnostic[];
}

/** One use of an extra file, from the YAML that names it. */
interface ExtraUse {
  what: 'patch' | 'manifest' | 'compose override';
  /** The path as written, relative to `folder`. */
  written: string;
  folder: string;
  origin: Origin;
  /** A patch's entry gives a `target` (a JSON 6902 patch needs one). */
  hasTarget?: boolean;
}

/** Where an environment's or an overlay's extra files live: paths in its file are relative to it. */
export function extrasFolder(owner: { kind: 'environment' } | { kind: 'overlay'; name: string }): string {
  return owner.kind === 'environment' ? 'environments' : `overlays/${owner.name}`;
}

/** A written path when it stays inside its folder, or why not. */
export function checkedExtraPath(written: string): { path: string } | { problem: string } {
  if (written.startsWith('/') || /^[A-Za-z]:/.test(written)) return { problem: 'is absolute' };
  if (written.includes('\\')) return { problem: 'holds a backslash' };
  const segments = written.split('/');
  if (segments.some((segment) => segment === '..')) return { problem: 'climbs out with ".."' };
  if (segments.some((segment) => segment === '' || segment === '.')) return { problem: 'has an empty or "." segment' };
  if (!segments.every((segment) => /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(segment))) return { problem: 'holds a character other than letters, digits, ".", "-", "_" and "/"' };
  if (!/\.ya?ml$/.test(written)) return { problem: 'does not end in .yaml or .yml' };
  return { path: written };
}

export function loadExtraFiles(project: Project): ExtraFilesResult {
  const files = new Map<string, SourceFile | null>();
  const diagnostics: Diagnostic[] = [];
  const uses: ExtraUse[] = [];

  for (const entity of project.environments.values()) {
    if (!entity.valid) continue;
    const input = entity.value;
    (input.overlays ?? []).forEach((name, index) => {
      if (!project.overlays.has(name) && !project.unreadable.get('overlay')?.has(name)) {
        const known = [...project.overlays.keys()];
        diagnostics.push(findingAt({ source: entity.source, path: ['overlays', index] }, 'unknown-overlay', `no overlay "${name}": it would be overlays/${name}/overlay.yaml${known.length > 0 ? ` (there are: ${known.join(', ')})` : ''}; add it or fix the name`));
      }
    });
    // Compose takes one override file here: the environment's own or one overlay's, not several.
    const overrides = [...(input.overlays ?? []).filter((name) => project.overlays.get(name)?.value.composeOverride !== undefined).map((name) => `overlay ${name}`), ...(input.composeOverride === undefined ? [] : ['its own composeOverride'])];
    if (overrides.length > 1) {
      const path = input.composeOverride === undefined ? ['overlays'] : ['composeOverride'];
      diagnostics.push(findingAt({ source: entity.source, path }, 'compose-override-twice', `this environment would take ${overrides.length} Compose overrides (${overrides.join(', ')}); keep one: merge them into one file`));
    }
    uses.push(...usesOf(entity, extrasFolder({ kind: 'environment' })));
  }
  // Every valid overlay is read, whether an environment takes it yet or not: its mistakes show early.
  for (const [name, entity] of project.overlays) if (entity.valid) uses.push(...usesOf(entity, extrasFolder({ kind: 'overlay', name })));

  for (const use of uses) {
    const checked = checkedExtraPath(use.written);
    if ('problem' in checked) {
      diagnostics.push(findingAt(use.origin, 'unsafe-extra-path', `the ${use.what} path ${JSON.stringify(use.written)} ${checked.problem}; write a path relative to ${use.folder}/ that stays inside it (letters, digits, ".", "-", "_", "/", ending in .yaml)`));
      continue;
    }
    const path = `${use.folder}/${checked.path}`;
    if (!files.has(path)) {
      const read = readSourceFile(project.root, path);
      if (!read) {
        diagnostics.push(findingAt(use.origin, 'extra-file-missing', `${path} does not exist; create it, or fix the path (relative to ${use.folder}/)`));
        files.set(path, null);
        continue;
      }
      diagnostics.push(...read.diagnostics);
      files.set(path, read.file ?? null);
    }
    const file = files.get(path);
    if (!file) continue;
    const shape = use.what === 'patch' ? patchShapeFindings(file, use.hasTarget === true) : use.what === 'manifest' ? manifestShapeFindings(file) : composeOverrideShape(file);
    if (shape.length > 0) {
      diagnostics.push(...shape);
      files.set(path, null);
    }
  }
  return { files, diagnostics };
}

/** The uses of extra files an environment's or an overlay's file makes, with where each is named. */
function usesOf(entity: Entity<Pick<OverlayInput, 'patches' | 'manifests' | 'composeOverride'>>, folder: string): ExtraUse[] {
  const at = (path: JsonPath): Origin => ({ source: entity.source, path });
  const input = entity.value;
  return [
    ...(input.patches ?? []).map((patch: PatchInput, index): ExtraUse => ({ what: 'patch', written: patch.path, folder, origin: at(['patches', index, 'path']), hasTarget: patch.target !== undefined })),
    ...(input.manifests ?? []).map((path, index): ExtraUse => ({ what: 'manifest', written: path, folder, origin: at(['manifests', index]) })),
    ...(input.composeOverride === undefined ? [] : [{ what: 'compose override' as const, written: input.composeOverride, folder, origin: at(['composeOverride']) }]),
  ];
}

/** A Compose override is Compose's own format: a mapping; Compose's schema and the generated file judge the rest. */
function composeOverrideShape(file: SourceFile): Diagnostic[] {
  const data = file.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) return [];
  return [findingAt({ source: file, path: [] }, 'invalid-compose-override', 'a Compose override is a mapping (services:, volumes: …) as in a docker-compose.yml; write it as one')];
}
