import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { compareText } from './diagnostics.js';
import { UserError } from './errors.js';

/**
 * The one way Slipway reads a folder of files into memory: an output tree, a deploy repository's
 * checkout, the package's own chart. Only regular files and folders are read. A symbolic link,
 * FIFO, socket or device anywhere below the folder is never followed, opened or read: it is
 * returned by path as refused, and every caller refuses the whole read (naming it with
 * `refusalLines`) or reports it as a problem of the tree. A link could point anywhere on this machine
 * (a deploy repository is someone else's content), and a FIFO or device would block or stream
 * forever. The folder named by the caller may itself be reached through a link (`/tmp` is one on
 * macOS); only what lies below it is held to the rule.
 */

/** What a refused entry is, as messages name it. */
export type RefusedKind = 'symbolic link' | 'FIFO' | 'socket' | 'device';

export interface FolderContent {
  /** Regular files by `/`-separated path relative to the folder read, in `compareText` order of paths. */
  files: Map<string, Uint8Array>;
  /** Every entry that is neither a regular file nor a folder, by path, in the same order. */
  refused: Map<string, RefusedKind>;
}

export interface ReadFolderOptions {
  /**
   * Whether an entry is looked at at all, by its `/`-separated path relative to the folder read,
   * before its kind is known: a folder that is left out is not descended into. Everything by default.
   */
  include?: (path: string) => boolean;
  /**
   * Which of the regular files included are read into `files` (every one by default). The others are
   * still walked past, so a link or special file anywhere included is refused all the same.
   */
  read?: (path: string) => boolean;
}

/** The reason a refused entry is refused, worded to follow its path. */
export function refusalReason(kind: RefusedKind): string {
  return `is a ${kind}; Slipway reads regular files only, never links or special files`;
}

/**
 * Every regular file below `root` (read whole), and every entry refused by the rule above.
 * `root` must be a folder: a caller that accepts a missing one checks first, with its own message.
 */
export function scanFolder(root: string, options: ReadFolderOptions = {}): FolderContent {
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${root} is not a folder`);
  const include = options.include ?? (() => true);
  const read = options.read ?? (() => true);
  const files = new Map<string, Uint8Array>();
  const refused = new Map<string, RefusedKind>();
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = `${prefix}${entry.name}`;
      if (!include(path)) continue;
      const absolute = join(folder, entry.name);
      const kind = refusedKind(entry);
      if (kind) refused.set(path, kind);
      else if (entry.isDirectory()) walk(absolute, `${path}/`);
      else if (read(path)) {
        const bytes = readRegularFile(absolute);
        if (typeof bytes === 'string') refused.set(path, bytes);
        else files.set(path, bytes);
      }
    }
  };
  walk(root, '');
  return { files: sortedByPath(files), refused: sortedByPath(refused) };
}

/** One line per refused entry: its path, then why. `shownAs` is put before each path (the folder it is relative to). */
export function refusalLines(refused: ReadonlyMap<string, RefusedKind>, shownAs = ''): string[] {
  return [...refused].map(([path, kind]) => `${shownAs}${path} ${refusalReason(kind)}`);
}

function refusedKind(entry: Dirent): RefusedKind | undefined {
  if (entry.isSymbolicLink()) return 'symbolic link';
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return 'device';
  return undefined;
}

// Where the platform has them: never follow a link that replaced the file since it was listed,
// and never wait on a FIFO that did.
const openForReading = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** The bytes of a regular file, or what it turned out to be when it is not one any more. */
function readRegularFile(path: string): Uint8Array | RefusedKind {
  let descriptor: number;
  try {
    descriptor = openSync(path, openForReading);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return 'symbolic link';
    throw error;
  }
  try {
    const stats = fstatSync(descriptor);
    if (!stats.isFile()) return stats.isFIFO() ? 'FIFO' : stats.isSocket() ? 'socket' : stats.isSymbolicLink() ? 'symbolic link' : 'device';
    return new Uint8Array(readFileSync(descriptor));
  } finally {
    closeSync(descriptor);
  }
}

function sortedByPath<T>(entries: Map<string, T>): Map<string, T> {
  return new Map([...entries].sort(([a], [b]) => compareText(a, b)));
}

/** What a path is without following it: a file, a folder, a refused kind, or undefined when nothing is there. */
export function entryKind(path: string): 'file' | 'folder' | RefusedKind | undefined {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats) return undefined;
  if (stats.isSymbolicLink()) return 'symbolic link';
  if (stats.isDirectory()) return 'folder';
  if (stats.isFile()) return 'file';
  return stats.isFIFO() ? 'FIFO' : stats.isSocket() ? 'socket' : 'device';
}
