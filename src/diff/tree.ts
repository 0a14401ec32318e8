import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareText } from '../diagnostics.js';
import { UsageError, UserError } from '../errors.js';
import type { PreviousTree } from '../load/previous.js';

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
 * Reads `--against` completely: a folder (a `.git` inside it is skipped, so a checkout works), or
 * anything git can clone with an optional `#REF`. The diff needs every file, not only the
 * environment folders `openPrevious` exposes, so it keeps its own snapshot.
 */
export function readAgainst(spec: string, cwd: string): Map<string, Uint8Array> {
  const hash = spec.lastIndexOf('#');
  const location = hash > 0 ? spec.slice(0, hash) : spec;
  const ref = hash > 0 ? spec.slice(hash + 1) : undefined;
  if (ref !== undefined && (!/^[A-Za-z0-9._/-]+$/.test(ref) || ref.startsWith('-'))) throw new UsageError(`${JSON.stringify(ref)} is not a git ref`);
  if (location.startsWith('-')) throw new UsageError(`--against ${JSON.stringify(location)} is not a folder or a git URL`);
  const local = resolve(cwd, location);
  const isBare = existsSync(join(local, 'HEAD')) && existsSync(join(local, 'objects')) && existsSync(join(local, 'refs'));
  if (ref === undefined && existsSync(local) && statSync(local).isDirectory() && !isBare) {
    return readFolder(local);
  }
  const checkout = mkdtempSync(join(tmpdir(), 'slipway-against-'));
  try {
    clone(existsSync(local) ? local : location, ref, checkout);
    return readFolder(checkout);
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
}

function clone(source: string, ref: string | undefined, checkout: string): void {
  const git = (args: string[], cwd?: string) =>
    execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  try {
    try {
      git(['clone', '--quiet', '--no-tags', '--depth', '1', ...(ref ? ['--branch', ref] : []), '--', source, checkout]);
    } catch (error) {
      if (!ref) throw error;
      // A commit id rather than a branch or tag: fetch everything and check it out.
      rmSync(checkout, { recursive: true, force: true });
      git(['clone', '--quiet', '--no-tags', '--', source, checkout]);
      git(['checkout', '--quiet', '--detach', ref], checkout);
    }
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    if (/empty repository/i.test(stderr)) return;
    throw new UserError(displayOrigin(`cannot read the deploy state to diff against from ${source}${ref ? `#${ref}` : ''}: ${stderr.split('\n').at(-1) || 'git failed'}`));
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
export function displayOrigin(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}
