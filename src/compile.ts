import type { OutputFile } from './core/output-file.js';
import { compareText, hasErrors } from './core/diagnostics.js';
import { generateEnvironment, generateProjectFiles, projectModel } from './generate/index.js';
import type { PreviousTree } from './load/previous.js';
import { releaseEnvironment } from './sign/release-files.js';
import { sha256Hex } from './core/digest.js';
import { validateSourceTree, type ValidateOptions, type ValidationResult } from './validate/index.js';

export interface CompileOptions extends ValidateOptions {
  /** The deploy repository's current state: manifests chain to it, blocked targets keep their folder from it. */
  previous?: PreviousTree;
  /** Ed25519 seed; without one, manifests are written unsigned (pull-request builds). */
  signingSeed?: Uint8Array;
  sourceCommit?: string;
  /** Renders only the environments it accepts (`--env`, `--shard`); every environment is still validated. */
  render?: (environment: string) => boolean;
  /** Called after each environment is rendered, for progress on a terminal. */
  onProgress?: (done: number, total: number) => void;
}

export interface CompileResult extends ValidationResult {
  /** The whole output tree, paths relative to the output root, sorted; undefined when validation failed. */
  files?: OutputFile[];
  /** Environments whose folder differs from the previous state (all rendered ones without `previous`). */
  changedEnvironments?: string[];
}

/** The environments' folders of a compile, before the project-wide files that summarise them. */
export interface RenderedEnvironments extends ValidationResult {
  /** Folder contents by environment (paths relative to the folder); absent for an environment with no folder. */
  folders?: Map<string, OutputFile[]>;
  /** sha256 of each rendered environment's release.json. */
  manifestDigests?: Map<string, string>;
  changedEnvironments?: string[];
  /** The environments this compile was asked to render. */
  rendered?: string[];
}

/**
 * The one in-memory compile behind `build`, `diff` and `publish`: inputs in, the complete signed
 * set of output files out. Nothing here writes to the output folder or the network.
 */
export function compile(options: CompileOptions): CompileResult {
  const result = renderEnvironments(options);
  if (!result.folders) return result;
  return { ...result, files: outputTree(result), changedEnvironments: result.changedEnvironments! };
}

/** The whole output tree of a successful render: every folder plus the root files, sorted by path. */
export function outputTree(result: RenderedEnvironments): OutputFile[] {
  const files = [...environmentFiles(result.folders!), ...projectFiles(result, result.manifestDigests!)];
  return files.sort((a, b) => compareText(a.path, b.path));
}

/** Validates everything, then renders and signs the chosen environments' folders. */
export function renderEnvironments(options: CompileOptions): RenderedEnvironments {
  const validation = validateSourceTree({ ...options, purpose: 'build' });
  if (hasErrors(validation.diagnostics)) return validation;

  const folders = new Map<string, OutputFile[]>();
  const manifestDigests = new Map<string, string>();
  const changedEnvironments: string[] = [];
  const chosen = validation.targets.filter((target) => target.status !== 'invalid' && (!options.render || options.render(target.name)));
  chosen.forEach((target, index) => {
    if (target.status === 'blocked') {
      // Nothing new for a blocked target: whatever the deploy repo holds for it stays as it is.
      const kept = options.previous?.folder(target.name) ?? new Map<string, Uint8Array>();
      if (kept.size > 0) folders.set(target.name, [...kept].map(([path, bytes]) => ({ path, bytes })));
      const manifest = kept.get('release.json');
      if (manifest) manifestDigests.set(target.name, sha256Hex(manifest));
    } else {
      const rendered = generateEnvironment(target);
      const previousManifest = options.previous?.manifest(target.name);
      const previousSignature = options.previous?.signature(target.name);
      const release = releaseEnvironment(target.model!, rendered, {
        ...(previousManifest ? { previous: { manifest: previousManifest, ...(previousSignature ? { signature: previousSignature } : {}) } } : {}),
        ...(options.signingSeed ? { signingSeed: options.signingSeed } : {}),
        ...(options.sourceCommit ? { sourceCommit: options.sourceCommit } : {}),
      });
      folders.set(target.name, [...rendered, ...release.files]);
      manifestDigests.set(target.name, release.manifestSha256);
      if (release.changed) changedEnvironments.push(target.name);
    }
    options.onProgress?.(index + 1, chosen.length);
  });
  return { ...validation, folders, manifestDigests, changedEnvironments, rendered: chosen.map((target) => target.name) };
}

export function environmentFiles(folders: ReadonlyMap<string, OutputFile[]>): OutputFile[] {
  return [...folders].flatMap(([environment, files]) => files.map((file) => ({ path: `environments/${environment}/${file.path}`, bytes: file.bytes })));
}

/** index.json, README.md and the rest of the root: they summarise every environment, so they come last. */
export function projectFiles(validation: ValidationResult, manifestDigests: ReadonlyMap<string, string>): OutputFile[] {
  return generateProjectFiles(projectModel(validation.project, validation.targets, manifestDigests));
}
