import { lstatSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import type { OutputFile } from '../core/output-file.js';
import { recoverUpdate } from './update.js';
import { buildRecordPath, folderEntries, fsyncDirectory, fsyncPath, parseTemporaryName, processAlive, temporaryName, writeFileDurable } from './durable.js';

/**
 * How an output folder is replaced so that a build killed at any instant leaves the previous or
 * the new complete tree:
 *
 * 1. `recoverOutput` first undoes what killed builds left: the previous output they had moved
 *    aside comes back if the output itself is missing, and their other temporaries go.
 * 2. The new tree is written in a sibling `.<out>.staging-<pid>`, never inside the output, and
 *    flushed to disk, files then folders.
 * 3. Two renames swap it in (`<out>` → `.<out>.previous-<pid>`, staging → `<out>`) with nothing in
 *    between; the parent is flushed; only then is the previous tree deleted.
 *
 * A kill between the two renames leaves no `<out>` for an instant, but a complete previous tree
 * aside, which step 1 of the next build (of any kind) restores. The staging tree is never
 * promoted by recovery, so nothing has to prove it complete.
 */

/** A fresh, empty staging folder beside `destination`. */
export function startStaging(destination: string): string {
  const staging = join(dirname(destination), temporaryName(basename(destination), 'staging'));
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  return staging;
}

/** Collects what a staging tree holds so that it can all be flushed before the swap. */
export class StagedTree {
  private readonly folders = new Set<string>();
  private readonly written: string[] = [];

  constructor(readonly root: string) {
    this.folders.add(root);
  }

  folder(path: string): void {
    const dir = path === '' ? this.root : join(this.root, path);
    if (this.folders.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    // Every folder on the way was made too: remember them all, so none is asked for again.
    for (let made = dir; made.length > this.root.length && !this.folders.has(made); made = dirname(made)) this.folders.add(made);
  }

  /** Writes files at paths relative to `under` (a `/`-separated folder of the staging tree, or ''). */
  write(files: readonly OutputFile[], under = ''): void {
    for (const file of files) {
      const path = under ? `${under}/${file.path}` : file.path;
      const slash = path.lastIndexOf('/');
      this.folder(slash < 0 ? '' : path.slice(0, slash));
      const target = join(this.root, path);
      writeFileDurable(target, file.bytes, 0o644, false);
      this.written.push(target);
    }
  }

  /**
   * Flushes every file written, then every folder, so the swap exposes only data on disk. One
   * `sync --file-system` (syncfs) flushes the whole file system the staging tree is on in one call,
   * where tens of thousands of fsyncs would cost more than rendering the fleet; without it (another
   * platform), each file and then each folder, deepest first.
   */
  flush(): void {
    if (this.written.length > 16 && syncFileSystem(this.root)) return;
    for (const path of this.written) fsyncPath(path);
    for (const dir of [...this.folders].sort((a, b) => b.length - a.length)) fsyncDirectory(dir);
  }
}

/** syncfs(2) through coreutils' `sync -f`; false when it is not there or fails. */
function syncFileSystem(path: string): boolean {
  const run = spawnSync('sync', ['--file-system', path], { stdio: 'ignore' });
  return run.status === 0;
}

/**
 * Swaps a flushed staging folder in for `destination`. On a failure the previous tree is put back
 * and the staging folder removed; a kill leaves what `recoverOutput` repairs.
 */
export function swapIntoPlace(staging: string, destination: string): void {
  const parent = dirname(destination);
  const aside = join(parent, temporaryName(basename(destination), 'previous'));
  let movedAside = true;
  try {
    renameSync(destination, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    movedAside = false;
  }
  try {
    renameSync(staging, destination);
  } catch (error) {
    if (movedAside) renameSync(aside, destination);
    throw error;
  }
  fsyncDirectory(parent);
  rmSync(aside, { recursive: true, force: true });
}

/**
 * Repairs what builds killed before their end left around `destination` (see the top of this
 * file), and the temporaries of killed lock takers; `staging`, this build's own staging folder
 * (filled before it took the lock), stays. Must run under the output lock.
 */
export function recoverOutput(destination: string, staging?: string): void {
  const parent = dirname(destination);
  const name = basename(destination);
  recoverFolder(parent, [name, `${name}.lock`, basename(buildRecordPath(destination))], staging);
}

/**
 * Repairs an output tree left by earlier versions of Slipway, which staged `--env` builds inside the
 * output (`environments/.<env>.staging-<pid>`, `.<env>.previous-<pid>`).
 */
export function recoverInsideOutput(destination: string): void {
  recoverFolder(destination);
  recoverFolder(join(destination, 'environments'));
}

/**
 * In `dir`, for each base name with temporaries of dead processes: the newest previous copy comes
 * back if the base itself is missing, an in-place update with its plan is completed, and every
 * other such temporary is removed.
 */
function recoverFolder(dir: string, bases?: readonly string[], keep?: string): void {
  const stale = folderEntries(dir)
    .map((entry) => ({ entry, temporary: parseTemporaryName(entry) }))
    .filter(({ entry, temporary }) => temporary && (!bases || bases.includes(temporary.base)) && !processAlive(temporary.pid) && join(dir, entry) !== keep)
    .map(({ entry, temporary }) => ({ path: join(dir, entry), ...temporary! }))
    .sort((a, b) => modified(b.path) - modified(a.path));
  let restored = false;
  for (const base of new Set(stale.map((temporary) => temporary.base))) {
    const previous = stale.find((temporary) => temporary.base === base && temporary.kind === 'previous');
    if (previous && !lstatSync(join(dir, base), { throwIfNoEntry: false })) {
      renameSync(previous.path, join(dir, base));
      restored = true;
    }
  }
  // An in-place update whose plan was written is completed (see `update.ts`); one without is dropped below.
  for (const temporary of stale) if (temporary.kind === 'update') recoverUpdate(temporary.path, join(dir, temporary.base));
  for (const temporary of stale) rmSync(temporary.path, { recursive: true, force: true });
  if (restored) fsyncDirectory(dir);
}

function modified(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}
