import type { OutputFile } from '../generators/registry.js';
import { compareText, hasErrors } from './diagnostics.js';
import { generateEnvironment, generateProjectFiles, projectModel } from './generate/index.js';
import type { PreviousTree } from './load/previous.js';
import { releaseEnvironment } from './sign/release-files.js';
import { sha256Hex } from './sign/manifest.js';
import { validateSourceTree, type ValidateOptions, type ValidationResult } from './validate/index.js';

export interface CompileOptions extends ValidateOptions {
  /** The deploy repository's current state: manifests chain to it, blocked targets keep their folder from it. */
  previous?: PreviousTree;
  /** Ed25519 seed; without one, manifests are written unsigned (pull-request builds). */
  signingSeed?: Uint8Array;
  sourceCommit?: string;
}

export interface CompileResult extends ValidationResult {
  /** The whole output tree, paths relative to the output root, sorted; undefined when validation failed. */
  files?: OutputFile[];
  /** Environments whose folder differs from the previous state (all rendered ones without `previous`). */
  changedEnvironments?: string[];
}

/**
 * The one in-memory compile behind `build`, `diff` and `publish`: inputs in, the complete signed
 * set of output files out. Nothing here writes to the output folder or the network.
 */
export function compile(options: CompileOptions): CompileResult {
  const validation = validateSourceTree({ ...options, purpose: 'build' });
  if (hasErrors(validation.diagnostics)) return validation;

  const files: OutputFile[] = [];
  const manifestDigests = new Map<string, string>();
  const changedEnvironments: string[] = [];
  const place = (environment: string, file: OutputFile) => files.push({ path: `environments/${environment}/${file.path}`, bytes: file.bytes });

  for (const target of validation.targets) {
    if (target.status === 'blocked') {
      // Nothing new for a blocked target: whatever the deploy repo holds for it stays as it is.
      const kept = options.previous?.folder(target.name) ?? new Map<string, Uint8Array>();
      for (const [path, bytes] of kept) place(target.name, { path, bytes });
      const manifest = kept.get('release.json');
      if (manifest) manifestDigests.set(target.name, sha256Hex(manifest));
      continue;
    }
    if (target.status !== 'ready') continue;
    const rendered = generateEnvironment(target);
    const previousManifest = options.previous?.manifest(target.name);
    const previousSignature = options.previous?.signature(target.name);
    const release = releaseEnvironment(target.model!, rendered, {
      ...(previousManifest ? { previous: { manifest: previousManifest, ...(previousSignature ? { signature: previousSignature } : {}) } } : {}),
      ...(options.signingSeed ? { signingSeed: options.signingSeed } : {}),
      ...(options.sourceCommit ? { sourceCommit: options.sourceCommit } : {}),
    });
    for (const file of [...rendered, ...release.files]) place(target.name, file);
    manifestDigests.set(target.name, release.manifestSha256);
    if (release.changed) changedEnvironments.push(target.name);
  }
  files.push(...generateProjectFiles(projectModel(validation.project, validation.targets, manifestDigests)));
  files.sort((a, b) => compareText(a.path, b.path));
  return { ...validation, files, changedEnvironments };
}
