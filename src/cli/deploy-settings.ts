import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
 * The branch to read a deploy state from (`--previous`, `--against` at `spec`) when the spec names
 * none: the one publish commits to there — slipway.yaml's `branch` when `spec` is its `deployRepo`,
 * however written. Undefined leaves it to the remote's default branch, where publish commits to any
 * other repository.
 */
export function settingsBranch(root: string, spec: string, cwd: string): string | undefined {
  let settings: DeploySettings;
  try {
    settings = deploySettings(root);
  } catch {
    // The build's own validation reports a broken slipway.yaml at its line; it fails either way.
    return undefined;
  }
  const hash = spec.lastIndexOf('#');
  const location = hash > 0 ? spec.slice(0, hash) : spec;
  return settings.branch !== undefined && settings.deployRepo !== undefined && sameRepository(location, settings.deployRepo, cwd) ? settings.branch : undefined;
}

/**
 * Whether two ways of naming a repository name the same one: `github:OWNER/REPO` and its https or
 * ssh URLs (credentials, `.git` and case aside), a path and its `file://` URL, a URL with and
 * without credentials or a final slash.
 */
export function sameRepository(a: string, b: string, cwd: string): boolean {
  return repositoryIdentity(a, cwd) === repositoryIdentity(b, cwd);
}

function repositoryIdentity(location: string, cwd: string): string {
  const github =
    /^github:([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/i.exec(location) ??
    /^(?:https?:\/\/(?:[^@/]*@)?|ssh:\/\/git@|git@)github\.com[/:]([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/i.exec(location);
  if (github) return `github.com/${github[1]}/${github[2]}`.toLowerCase();
  if (/^file:\/\//i.test(location)) {
    try {
      return resolve(fileURLToPath(location));
    } catch {
      return location;
    }
  }
  const url = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/]*@)?([^/]*)(.*)$/i.exec(location);
  if (url) return `${url[1]!.toLowerCase()}${url[2]!.toLowerCase()}${url[3]!.replace(/\/+$/, '').replace(/\.git$/, '')}`;
  // scp-like `user@host:path`.
  if (/^[^/@\s]+@[^/:\s]+:/.test(location)) return location.replace(/\/+$/, '').replace(/\.git$/, '');
  return resolve(cwd, location);
}
