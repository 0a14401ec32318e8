import { hasErrors } from './diagnostics.js';
import type { OutputFile } from '../generators/registry.js';
import { generateEnvironment, generateProjectFiles, projectModel } from './generate/index.js';
import { validateSourceTree, type ValidateOptions, type ValidationResult } from './validate/index.js';
import { compareText } from './diagnostics.js';

export interface CompileResult extends ValidationResult {
  /** The whole output tree, paths relative to the output root, sorted; undefined when validation failed. */
  files?: OutputFile[];
}

/**
 * The one in-memory compile behind `build`, `diff` and `publish`: inputs in, the complete set of
 * output files out. Nothing here touches the output folder or the network.
 */
export function compile(options: ValidateOptions): CompileResult {
  const validation = validateSourceTree(options);
  if (hasErrors(validation.diagnostics)) return validation;

  const files: OutputFile[] = [];
  const manifestDigests = new Map<string, string>();
  for (const target of validation.targets) {
    if (target.status !== 'ready') continue;
    for (const file of generateEnvironment(target)) {
      files.push({ path: `environments/${target.name}/${file.path}`, bytes: file.bytes });
    }
  }
  files.push(...generateProjectFiles(projectModel(validation.project, validation.targets, manifestDigests)));
  files.sort((a, b) => compareText(a.path, b.path));
  return { ...validation, files };
}
