import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';

export interface PackageInfo {
  version: string;
  /** `OWNER/REPO` of the GitHub repository the action is used from. */
  actionRepository: string;
}

/**
 * Used when package.json names no GitHub repository. It is deliberately not a real organisation's
 * name: a workflow that still carries it fails at "Set up job" instead of running somebody else's
 * code. `slipway init --action OWNER/REPO@REF` (or editing the two workflows) replaces it.
 */
export const PLACEHOLDER_ACTION_REPOSITORY = 'OWNER/slipway';

/** The installed package's own version and repository, read at run time so a scaffold pins the version that made it. */
export function packageInfo(): PackageInfo {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string; repository?: string | { url?: string } };
  const url = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  return { version: manifest.version, actionRepository: githubRepository(url) ?? PLACEHOLDER_ACTION_REPOSITORY };
}

/** `OWNER/REPO` from the forms npm accepts: `github:o/r`, `o/r`, `git+https://github.com/o/r.git`. */
export function githubRepository(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const match = /^(?:github:)?([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]+)$/.exec(url) ?? /github\.com[/:]([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(url);
  return match ? `${match[1]}/${match[2]}` : undefined;
}
