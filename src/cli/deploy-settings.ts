import { UserError } from '../core/errors.js';
import { readSourceFile } from '../load/read-files.js';

/** slipway.yaml's say on the deploy repository: where publish commits, and on which branch. */
export interface DeploySettings {
  deployRepo?: string;
  branch?: string;
}

/**
 * Reads only slipway.yaml of the source tree at `root`, with the reader every input goes through
 * (size, encoding and YAML limits). A file that cannot be read is a located error rather than no
 * setting: publishing to a default target because of a typo would commit to the wrong place.
 */
export function deploySettings(root: string): DeploySettings {
  const read = readSourceFile(root, 'slipway.yaml');
  if (!read) return {};
  const problem = read.diagnostics.find((diagnostic) => diagnostic.severity === 'error');
  if (problem || !read.file) {
    const where = problem ? `${problem.file}:${problem.line}:${problem.column}: ${problem.code}: ${problem.message}` : 'slipway.yaml cannot be read';
    throw new UserError(`${where} (run slipway validate to see every finding)`);
  }
  const data = read.file.data;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UserError('slipway.yaml must be a mapping (run slipway validate to see every finding)');
  const settings = data as Record<string, unknown>;
  const text = (key: 'deployRepo' | 'branch'): string | undefined => {
    const value = settings[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw new UserError(`slipway.yaml: ${key} must be a non-empty string (run slipway validate to see every finding)`);
    return value;
  };
  const deployRepo = text('deployRepo');
  const branch = text('branch');
  return { ...(deployRepo ? { deployRepo } : {}), ...(branch ? { branch } : {}) };
}

/**
 * The branch to read a deploy state from (`--previous`, `--against`) when its spec names none:
 * slipway.yaml's, since publish commits there. Undefined leaves it to the remote's default branch.
 */
export function settingsBranch(root: string): string | undefined {
  try {
    return deploySettings(root).branch;
  } catch {
    // The build's own validation reports a broken slipway.yaml at its line; it fails either way.
    return undefined;
  }
}
