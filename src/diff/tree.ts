import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareText } from '../core/diagnostics.js';
import { checkoutDeployState, hideCredentials, type PreviousTree } from '../load/previous.js';

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
 * Paths Slipway owns in a deploy repository. Everything else (CODEOWNERS, `.github/`) belongs to
 * the repository's owners: publish keeps it and diff does not compare it.
 */
export function isManaged(path: string): boolean {
  return path === 'index.json' || path === 'README.md' || /^(environments|api|charts)\//.test(path);
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

/** The text of bytes that are valid UTF-8, or undefined. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
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
 * size of the whole tree. Works on bytes and on blob ids alike.
 */
export function environmentFolders<T>(files: Iterable<readonly [string, T]>): Map<string, Map<string, T>> {
  const folders = new Map<string, Map<string, T>>();
  for (const [path, value] of files) {
    const match = /^environments\/([^/]+)\/(.+)$/s.exec(path);
    if (!match) continue;
    if (!folders.has(match[1]!)) folders.set(match[1]!, new Map());
    folders.get(match[1]!)!.set(match[2]!, value);
  }
  return new Map([...folders].sort(([a], [b]) => compareText(a, b)));
}

/**
 * Reads `--against` completely (a `.git` inside a folder is skipped, so a checkout works): the diff
 * needs every file of the deploy repository, not only the environment folders `openPrevious` exposes.
 */
export function readAgainst(spec: string, cwd: string): Map<string, Uint8Array> {
  const checkout = checkoutDeployState(spec, cwd);
  try {
    return readFolder(checkout.root);
  } finally {
    checkout.dispose();
  }
}

function readFolder(root: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string, prefix: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (prefix === '' && entry.name === '.git') continue;
      const path = join(dir, entry.name);
      // Symbolic links are never followed: a deploy repo could point one anywhere on this machine.
      if (lstatSync(path).isSymbolicLink()) continue;
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile()) files.set(`${prefix}${entry.name}`, new Uint8Array(readFileSync(path)));
    }
  };
  walk(root, '');
  return files;
}

/** The against-tree as the `previous` state `compile` chains manifests to. */
export function previousFromFiles(files: FileMap, origin: string): PreviousTree {
  return {
    origin,
    manifest: (name) => files.get(`environments/${name}/release.json`),
    signature: (name) => files.get(`environments/${name}/release.json.sig`),
    folder: (name) => new Map(environmentFolders(files).get(name)),
    dispose: () => {},
  };
}

/** Text as it may be shown: credentials in any URL in it (`https://user:token@host/…`) are hidden. */
export const displayOrigin = hideCredentials;
