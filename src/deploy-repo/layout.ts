import { compareText } from '../core/diagnostics.js';
import { EXTRA_FOLDER } from '../core/output-file.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../sign/manifest.js';
import { RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE } from '../sign/release-index.js';

/** The files Slipway writes directly at the root of a deploy repository. */
const ROOT_FILES: ReadonlySet<string> = new Set(['index.json', 'README.md', RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE]);

/**
 * The shape of a deploy repository (SPEC §3): which paths Slipway owns, the environment folders,
 * and `index.json`. Everything here works on a tree already in memory.
 */

/** A whole output tree in memory: `/`-separated paths relative to its root, and exact bytes. */
export type FileMap = ReadonlyMap<string, Uint8Array>;

/** One `index.json` entry, as the index generator writes it. */
export interface IndexEntry {
  name: string;
  mode?: string;
  tier?: string;
  provider?: string;
  runtime?: string;
  release?: string;
  status: string;
  blockReasons: Array<{ cause: string; message: string }>;
  manifestSha256: string | null;
}

/**
 * Paths Slipway owns in a deploy repository. Everything else (CODEOWNERS, `.github/`, the extra/
 * folders of `isExtra`) belongs to the repository's owners: publish keeps it, and diff and
 * `--previous` do not read it.
 */
export function isManaged(path: string): boolean {
  return !isExtra(path) && (ROOT_FILES.has(path) || /^(environments|api|charts)\//.test(path));
}

/** `extra/` at the root, or `environments/<env>/extra/`, followed by at least one character. */
const EXTRA_PATH = new RegExp(`^(?:environments/([^/]+)/)?${EXTRA_FOLDER}/.`, 's');

/**
 * Whether a path lies inside an extra/ folder: `extra/…` at the root, or `environments/<env>/extra/…`
 * — hand-written files Slipway never writes, signs, replaces or removes. Only what lies strictly
 * inside the folder is: a file named `extra`, or `Extra/`, is an unknown file like any other, so
 * the folder can never hide a change to a path Slipway writes. Whether an entry there is a regular
 * file is the readers' business: a link is refused wherever it is.
 */
export function isExtra(path: string): boolean {
  return EXTRA_PATH.test(path);
}

/** The environment whose extra/ folder holds `path`, or undefined for the root's extra/ (or a path in neither). */
export function extraEnvironment(path: string): string | undefined {
  return EXTRA_PATH.exec(path)?.[1];
}

/**
 * The environments `index.json` lists, by name. A deploy repository may be empty, or older than
 * the index, or hand-damaged: anything unreadable reads as "no index", never as a crash.
 */
export function readIndex(files: FileMap): Map<string, IndexEntry> {
  const entries = new Map<string, IndexEntry>();
  const list = parseLoosely(files.get('index.json'))?.environments;
  if (!Array.isArray(list)) return entries;
  for (const item of list) {
    if (!item || typeof item !== 'object' || typeof (item as IndexEntry).name !== 'string') continue;
    const entry = item as IndexEntry;
    entries.set(entry.name, {
      ...entry,
      status: typeof entry.status === 'string' ? entry.status : 'unknown',
      blockReasons: Array.isArray(entry.blockReasons) ? entry.blockReasons : [],
      manifestSha256: typeof entry.manifestSha256 === 'string' ? entry.manifestSha256 : null,
    });
  }
  return entries;
}

/**
 * A JSON object read from bytes a deploy repository holds (`index.json`, a `release.json`), or
 * undefined when they are not one: damaged input reads as absent, never as a crash.
 */
export function parseLoosely(bytes: Uint8Array | undefined): Record<string, unknown> | undefined {
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The files of every `environments/<name>/` folder, with paths relative to it, by name in
 * `compareText` order. Grouped in one pass, so the work per environment does not grow with the
 * size of the whole tree. Works on bytes, blob ids and refused entries alike. The hand-written
 * files of a folder's extra/ (`isExtra`) are not part of it: no manifest lists them, no
 * compare-and-swap or diff looks at them, and a folder holding nothing else is no folder.
 */
export function environmentFolders<T>(files: Iterable<readonly [string, T]>): Map<string, Map<string, T>> {
  const folders = new Map<string, Map<string, T>>();
  for (const [path, value] of files) {
    if (isExtra(path)) continue;
    const match = /^environments\/([^/]+)\/(.+)$/s.exec(path);
    if (!match) continue;
    if (!folders.has(match[1]!)) folders.set(match[1]!, new Map());
    folders.get(match[1]!)!.set(match[2]!, value);
  }
  return new Map([...folders].sort(([a], [b]) => compareText(a, b)));
}

/** `environments/<name>/release.json` or its signature: what a build chains to. */
export function isReleaseFile(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 3 && parts[0] === 'environments' && (parts[2] === MANIFEST_FILE || parts[2] === SIGNATURE_FILE);
}

/**
 * Each environment folder's paths (relative to it, to the path in the tree), from the paths alone:
 * a map that reads files when asked for them (`GitFileMap`) reads none to group them.
 */
export function environmentFolderPaths(files: FileMap): Map<string, Map<string, string>> {
  return environmentFolders([...files.keys()].map((path): [string, string] => [path, path]));
}

/** The files of one folder of `environmentFolderPaths`, by their paths relative to it. */
export function folderFiles(files: FileMap, paths: ReadonlyMap<string, string> | undefined): Map<string, Uint8Array> {
  const folder = new Map<string, Uint8Array>();
  for (const [relative, path] of paths ?? []) folder.set(relative, files.get(path)!);
  return folder;
}
