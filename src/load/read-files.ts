import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { compareText, type Diagnostic } from '../core/diagnostics.js';
import { describeKind, errorCode, readRegularFile } from '../core/regular-file.js';
import { maxFileBytes } from './input-limits.js';
import { parseSourceFile } from './source-file.js';
import type { SourceFile } from '../model/index.js';

/**
 * The one way Slipway reads a source tree, with one policy: regular files only, and a link only
 * when it stays inside the tree and leads to a regular file (or, for a folder, to a folder).
 * Anything else — a link out of the tree, a FIFO, a device, a folder where a file belongs — is a
 * located finding, never a hang, a silent skip or a crash: a file that cannot be read must never
 * look like a file that is not there, or the next publish would remove what it described.
 * Sizes are checked on the opened descriptor, and nothing is opened in a way that can block.
 */

export interface ReadResult {
  file?: SourceFile;
  diagnostics: Diagnostic[];
}

export type InputBytes =
  | { kind: 'absent' }
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'refused'; diagnostic: Diagnostic };

const refused = (code: string, file: string, message: string): { kind: 'refused'; diagnostic: Diagnostic } => ({
  kind: 'refused',
  diagnostic: { severity: 'error', code, file, line: 1, column: 1, message },
});


/** The real path of the tree's root, once per root: links are judged against it. */
const realRoots = new Map<string, string>();
function realRoot(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realpathSync.native(root);
    realRoots.set(root, real);
  }
  return real;
}

function inside(root: string, path: string): boolean {
  const way = relative(root, path);
  return way === '' || (!way.startsWith(`..${sep}`) && way !== '..' && !way.startsWith(sep));
}

/**
 * Where a path of the tree really leads, when it stays inside the tree; a refusal otherwise.
 * `absent` when nothing is there (a dangling link is not absent: it is refused).
 */
function resolveInTree(root: string, relativePath: string, what: string): { kind: 'absent' } | { kind: 'real'; path: string; stats: Stats; linked: boolean } | ReturnType<typeof refused> {
  const path = join(root, relativePath);
  let own: Stats;
  try {
    own = lstatSync(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'ENOTDIR') return refused('not-a-folder', relativePath, `a folder on the way to ${what} is a file; ${relativePath.split('/').slice(0, -1).join('/') || '.'} must be a folder`);
    if (code === 'EACCES' || code === 'EPERM') return refused('unreadable-file', relativePath, `${what} cannot be read (permission denied); make it readable by the user running Slipway`);
    throw error;
  }
  let real: string;
  try {
    // The C library's realpath: one call, where the JavaScript one looks at every component in turn
    // (a third of the cost of reading an environment's two files).
    real = realpathSync.native(path);
  } catch {
    return refused('unsafe-path', relativePath, `${what} is a link that leads nowhere; replace it with the file itself`);
  }
  if (!inside(realRoot(root), real)) {
    return refused('unsafe-path', relativePath, `${what} leads outside the source tree (to ${real}); Slipway reads only files inside the tree: copy the file in instead of linking it`);
  }
  return { kind: 'real', path: real, stats: own.isSymbolicLink() ? statSync(real) : own, linked: own.isSymbolicLink() };
}

/** The bytes of one input file, refused unread when it is not a regular file of the tree or is over `limit`. */
export function readInputBytes(root: string, relativePath: string, what: string, limit = maxFileBytes): InputBytes {
  const found = resolveInTree(root, relativePath, what);
  if (found.kind !== 'real') return found;
  if (found.stats.isDirectory()) return refused('not-a-file', relativePath, `${what} is a folder; it must be a file (move the folder away)`);
  if (!found.stats.isFile()) return refused('unsafe-path', relativePath, `${what} is ${describeKind(found.stats)}; Slipway reads only regular files`);
  const read = readRegularFile(found.path, limit, { followLinks: found.linked });
  if ('bytes' in read) return { kind: 'bytes', bytes: read.bytes };
  switch (read.problem) {
    case 'too-large':
      return tooLarge(relativePath, read.size, limit);
    case 'folder':
      return refused('not-a-file', relativePath, `${what} is a folder; it must be a file (move the folder away)`);
    case 'denied':
      return refused('unreadable-file', relativePath, `${what} cannot be read (permission denied); make it readable by the user running Slipway`);
    case 'special':
      return refused('unsafe-path', relativePath, `${what} is ${read.kind}; Slipway reads only regular files`);
    default:
      // Gone, or replaced by a link, between looking and opening.
      return refused('unsafe-path', relativePath, `${what} changed while it was read; run again`);
  }
}

function tooLarge(file: string, size: number, limit: number): ReturnType<typeof refused> {
  const readable = limit % (1024 * 1024) === 0 ? `${limit / (1024 * 1024)} MiB` : `${limit / 1024} KiB`;
  return refused('file-too-large', file, `file is ${size} bytes, over the limit of ${limit} bytes (${readable}); inputs this large are refused unread — split it or remove generated content`);
}

/**
 * UTF-8 text of an input, or a finding at the first line and column that is not UTF-8 (a BOM is
 * dropped: editors add one, and it means nothing here).
 */
export function decodeInput(relativePath: string, bytes: Uint8Array): { text: string } | { diagnostic: Diagnostic } {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return { text: strict.decode(bytes) };
  } catch {
    // The first line that does not decode, and in it the first character the lenient decoder had to replace.
    let line = 1;
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, start);
      const segment = bytes.subarray(start, end === -1 ? bytes.length : end);
      try {
        strict.decode(segment);
      } catch {
        const column = new TextDecoder('utf-8').decode(segment).indexOf('\uFFFD') + 1;
        return {
          diagnostic: { severity: 'error', code: 'invalid-utf8', file: relativePath, line, column: Math.max(column, 1), message: 'this is not UTF-8 text (a byte no UTF-8 character starts or continues with); save the file as UTF-8' },
        };
      }
      if (end === -1) break;
      start = end + 1;
      line += 1;
    }
    return { diagnostic: { severity: 'error', code: 'invalid-utf8', file: relativePath, line: 1, column: 1, message: 'this is not UTF-8 text; save the file as UTF-8' } };
  }
}

/** Reads and parses one input file; undefined when it is not there. */
export function readSourceFile(root: string, relativePath: string, what = relativePath): ReadResult | undefined {
  const read = readInputBytes(root, relativePath, what);
  if (read.kind === 'absent') return undefined;
  if (read.kind === 'refused') return { diagnostics: [read.diagnostic] };
  const decoded = decodeInput(relativePath, read.bytes);
  if ('diagnostic' in decoded) return { diagnostics: [decoded.diagnostic] };
  return parseSourceFile(relativePath, decoded.text);
}

/** One entry of a folder of the tree, with what it really is (a link inside the tree is followed). */
export interface FolderEntry {
  name: string;
  kind: 'file' | 'folder' | 'other';
}

/**
 * The entries of a folder of the tree, sorted by name; none when it does not exist. A folder that
 * is a file, or a link out of the tree, is a finding (with no entries), never an exception.
 */
export function listFolder(root: string, relativePath: string, diagnostics: Diagnostic[]): FolderEntry[] {
  const found = resolveInTree(root, relativePath, relativePath);
  if (found.kind === 'absent') return [];
  if (found.kind === 'refused') {
    diagnostics.push(found.diagnostic);
    return [];
  }
  if (!found.stats.isDirectory()) {
    diagnostics.push(refused('not-a-folder', relativePath, `${relativePath} is ${found.stats.isFile() ? 'a file' : describeKind(found.stats)}; it must be a folder`).diagnostic);
    return [];
  }
  let entries;
  try {
    entries = readdirSync(found.path, { withFileTypes: true });
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EACCES' || code === 'EPERM') {
      diagnostics.push(refused('unreadable-file', relativePath, `${relativePath} cannot be listed (permission denied); make it readable by the user running Slipway`).diagnostic);
      return [];
    }
    throw error;
  }
  return entries
    .map((entry): FolderEntry => {
      if (entry.isFile()) return { name: entry.name, kind: 'file' };
      if (entry.isDirectory()) return { name: entry.name, kind: 'folder' };
      if (entry.isSymbolicLink()) {
        // Judged when it is read; here only what it leads to, for the folder walk.
        try {
          const stats = statSync(join(found.path, entry.name));
          return { name: entry.name, kind: stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other' };
        } catch {
          return { name: entry.name, kind: 'other' };
        }
      }
      return { name: entry.name, kind: 'other' };
    })
    .sort((a, b) => compareText(a.name, b.name));
}
