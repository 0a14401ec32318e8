import { existsSync } from 'node:fs';
import { compareText } from '../core/diagnostics.js';
import { scanFolder, type FolderContent, type RefusedKind } from '../core/tree.js';
import { RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE } from '../sign/release-index.js';
import { environmentFolders, isManaged, isReleaseFile } from './layout.js';

/**
 * How every reader of a deploy tree sees it: the one folder reader of `src/core/tree.ts`, split
 * into environment folders. Entries that are not regular files or folders are carried as refused,
 * so each reader can report them in its own way, with the same words.
 */

/** One `environments/<name>/` folder in memory, paths relative to it. */
export interface EnvironmentFolder {
  files: ReadonlyMap<string, Uint8Array>;
  /** Entries that are not regular files or folders, with what they are: never followed or read. */
  refused: ReadonlyMap<string, RefusedKind>;
}

export interface DeployTree extends FolderContent {
  /** Every environment folder holding at least one entry, files or refused, by name. */
  environments: Map<string, EnvironmentFolder>;
}

/** Which part of a tree a reader looks at. */
export type DeployTreeScope =
  /** Every entry: `publish` commits whatever `build` wrote. */
  | 'everything'
  /** Every entry but the `.git` folder of a checkout: what `verify` reads. */
  | 'checkout'
  /** What Slipway owns (`isManaged`): a deploy repository's checkout, without `.git` or the owners' files. */
  | 'managed'
  /** `environments/` only: what `verify` checks. */
  | 'environments'
  /** One environment's folder: what a blocked target carries over. */
  | { environment: string }
  /** One environment's release.json and its signature: what a build chains to. */
  | { release: string }
  /** Every environment's release.json and signature: what a build of many environments chains to. */
  | 'releases'
  /** The root manifest and its signature. */
  | 'root-manifest';

/** Reads the tree at `root`; a root that is not there reads as an empty tree (an empty deploy repository). */
export function readDeployTree(root: string, scope: DeployTreeScope): DeployTree {
  const read = readBy(scope);
  const content: FolderContent = existsSync(root) ? scanFolder(root, { include: includedBy(scope), ...(read ? { read } : {}) }) : { files: new Map(), refused: new Map() };
  const files = environmentFolders(content.files);
  const refused = environmentFolders(content.refused);
  const environments = new Map<string, EnvironmentFolder>();
  for (const name of [...new Set([...files.keys(), ...refused.keys()])].sort(compareText)) {
    environments.set(name, { files: files.get(name) ?? new Map(), refused: refused.get(name) ?? new Map() });
  }
  return { ...content, environments };
}

function includedBy(scope: DeployTreeScope): ((path: string) => boolean) | undefined {
  if (scope === 'everything') return undefined;
  // Decided by the path alone, before its kind is known, so that a link named like a managed
  // folder is refused, not silently left out.
  if (scope === 'managed') return (path) => path.includes('/') || isManaged(path) || isManaged(`${path}/`);
  if (scope === 'checkout') return (path) => path !== '.git';
  if (scope === 'root-manifest') return (path) => path === RELEASE_INDEX_FILE || path === RELEASE_INDEX_SIGNATURE_FILE;
  if (scope === 'environments' || scope === 'releases') return (path) => path === 'environments' || path.startsWith('environments/');
  const folder = `environments/${'release' in scope ? scope.release : scope.environment}`;
  return (path) => path === 'environments' || path === folder || path.startsWith(`${folder}/`);
}

/**
 * The chaining scopes read only the release files, but walk the whole folder, so that a link
 * anywhere in it is refused as every other reader refuses it.
 */
function readBy(scope: DeployTreeScope): ((path: string) => boolean) | undefined {
  if (scope !== 'releases' && !(typeof scope === 'object' && 'release' in scope)) return undefined;
  return isReleaseFile;
}
