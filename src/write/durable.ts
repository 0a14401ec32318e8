import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * The durability toolkit of the writer: files and folders flushed to disk before a rename makes
 * them visible, and the naming of the temporaries a write leaves beside its target while it runs,
 * so that a later run can tell which ones belong to a process that died.
 */

/**
 * What a temporary is for: new content being staged, the previous content moved aside, or an
 * in-place update of some paths of an output (see `update.ts`).
 */
export type TemporaryKind = 'staging' | 'previous' | 'update';

/** `.<base>.<kind>-<pid>`: hidden, named after what it replaces and after the process that made it. */
export function temporaryName(base: string, kind: TemporaryKind, pid = process.pid): string {
  return `.${base}.${kind}-${pid}`;
}

export interface Temporary {
  base: string;
  kind: TemporaryKind;
  pid: number;
}

/** The parts of a name made by `temporaryName`, or undefined for any other name (not ours). */
export function parseTemporaryName(name: string): Temporary | undefined {
  const match = /^\.(.+)\.(staging|previous|update)-([1-9][0-9]{0,9})$/.exec(name);
  if (!match) return undefined;
  return { base: match[1]!, kind: match[2] as TemporaryKind, pid: Number(match[3]) };
}

/**
 * Whether the process that made a temporary may still be using it. Our own PID counts as dead: a
 * write in this process runs start to end without yielding, so a temporary of ours found at the
 * start of a write is left over from an earlier one that failed (or from a dead process whose PID
 * we were given).
 */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a file and (unless the caller batches flushes with `fsyncPath`) flushes its bytes to disk. */
export function writeFileDurable(path: string, content: string | Uint8Array, mode = 0o644, flush = true): void {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const fd = openSync(path, 'w', mode);
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    if (flush) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a file written earlier without a flush (batching the flushes is much faster). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes a folder's entries (files created, renamed in or out) durable. Some platforms cannot open
 * or flush a folder (Windows); there the rename is as durable as the file system makes it.
 */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    if (unsupported(error)) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!unsupported(error)) throw error;
  } finally {
    closeSync(fd);
  }
}

function unsupported(error: unknown): boolean {
  return ['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '');
}

/**
 * Replaces one file atomically and durably: written and flushed beside it, then renamed over it,
 * then the folder flushed. Killed at any moment, the path holds the old or the new complete file;
 * what can be left is a temporary that `removeStaleTemporaries` recognises.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): void {
  const dir = dirname(path);
  const created = mkdirSync(dir, { recursive: true });
  if (created) fsyncDirectory(dirname(created));
  const staging = join(dir, temporaryName(basename(path), 'staging'));
  try {
    writeFileDurable(staging, content, mode);
    renameSync(staging, path);
  } catch (error) {
    rmSync(staging, { force: true });
    throw error;
  }
  fsyncDirectory(dir);
}

/**
 * Where a build keeps the record of what its output was rendered from (see `src/reuse`): beside the
 * output, like the lock and the temporaries, so that recovery after a kill finds what writing it left.
 */
export function buildRecordPath(out: string): string {
  return join(dirname(out), `.${basename(out)}.build-record.json`);
}

/** The names in a folder; none when it is missing or not a folder. */
export function folderEntries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

/**
 * Removes the temporaries in a folder that processes now dead left behind while replacing one of
 * `bases` (every base when none is given). Only names `temporaryName` makes are touched.
 */
export function removeStaleTemporaries(dir: string, bases?: readonly string[]): void {
  // Nothing to clean where there is no folder; a `secrets` that is not one is the reader's finding to report.
  for (const name of folderEntries(dir)) {
    const temporary = parseTemporaryName(name);
    if (!temporary || (bases && !bases.includes(temporary.base)) || processAlive(temporary.pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * A fresh folder under the system's temporary folder, named `<prefix><pid>-<random>`, after
 * removing the ones of that prefix whose process is gone: a publish or a checkout killed midway
 * leaves its folder behind, and the next run is the one that can tell it is stale.
 */
export function temporaryFolder(prefix: string): string {
  const parent = tmpdir();
  let names: string[] = [];
  try {
    names = readdirSync(parent);
  } catch {
    // An unreadable temporary folder only means nothing is cleaned.
  }
  const ours = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([1-9][0-9]{0,9})-[A-Za-z0-9]{6}$`);
  for (const name of names) {
    const match = ours.exec(name);
    // Our own PID's folders may belong to another publish of this process (tests run several): left alone.
    const pid = match ? Number(match[1]) : undefined;
    if (pid !== undefined && pid !== process.pid && !processAlive(pid)) removeLeftFolder(join(parent, name));
  }
  return mkdtempSync(join(parent, `${prefix}${process.pid}-`));
}

/**
 * Removes a dead run's folder, as far as it can. A kill reaches Slipway, not the git it started,
 * which may go on writing objects there for a moment (a folder emptied then refilled cannot be
 * removed: ENOTEMPTY); Node retries such errors a few times, and what still cannot go is left for
 * the next run: cleaning up after another process must not fail this one.
 */
function removeLeftFolder(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 6, retryDelay: 50 });
  } catch {
    // Left for the next run, which tries again.
  }
}
