import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { OutputFile } from '../core/output-file.js';
import { UserError } from '../core/errors.js';
import { sha256Hex } from '../core/digest.js';
import { guardDestination, replaceFolder, writeFileAtomic } from './index.js';

export interface PartialUpdate {
  /** The environments this build rendered (its `--env` or `--shard` share). */
  rendered: readonly string[];
  /** Their new folders; a rendered environment without one (blocked, nothing kept) loses its folder. */
  folders: ReadonlyMap<string, OutputFile[]>;
  /** Every environment of the source tree: folders of any other name are gone from the source. */
  environments: ReadonlySet<string>;
  /** The root files, computed from every environment's manifest digest as it now stands on disk. */
  projectFiles: (manifestDigests: ReadonlyMap<string, string>) => OutputFile[];
}

/**
 * Updates only some environments of an existing output tree, so builds of disjoint shares
 * (`--shard 1/4` … `4/4`, on one machine or one after another) add up to exactly the tree of one
 * full build. Each environment folder is swapped in whole, and the root files are recomputed under
 * a lock from what every folder holds once this build's folders are in place; the last shard to
 * finish therefore writes the complete index.
 */
export function writePartialTree(outDir: string, update: PartialUpdate): void {
  const out = resolve(outDir);
  mkdirSync(dirname(out), { recursive: true });
  withLock(`${out}.lock`, () => {
    guardDestination(out);
    mkdirSync(join(out, 'environments'), { recursive: true });
    for (const name of update.rendered) replaceFolder(join(out, 'environments', name), update.folders.get(name));
    for (const name of readdirSync(join(out, 'environments'))) {
      if (!update.environments.has(name) && !name.startsWith('.')) rmSync(join(out, 'environments', name), { recursive: true, force: true });
    }
    const digests = new Map<string, string>();
    for (const name of readdirSync(join(out, 'environments')).sort()) {
      const manifest = join(out, 'environments', name, 'release.json');
      if (existsSync(manifest)) digests.set(name, sha256Hex(readFileSync(manifest)));
    }
    writeRootFiles(out, update.projectFiles(digests));
  });
}

/** The root's files and folders other than `environments/`: files replaced one by one, folders whole. */
function writeRootFiles(out: string, files: readonly OutputFile[]): void {
  const byEntry = new Map<string, OutputFile[]>();
  for (const file of files) {
    const [entry] = file.path.split('/');
    byEntry.set(entry!, [...(byEntry.get(entry!) ?? []), file]);
  }
  for (const [entry, entryFiles] of byEntry) {
    if (entryFiles.length === 1 && entryFiles[0]!.path === entry) writeFileAtomic(join(out, entry), entryFiles[0]!.bytes);
    else replaceFolder(join(out, entry), entryFiles.map((file) => ({ path: file.path.slice(entry.length + 1), bytes: file.bytes })));
  }
  for (const entry of readdirSync(out)) {
    if (entry !== 'environments' && !entry.startsWith('.') && !byEntry.has(entry)) rmSync(join(out, entry), { recursive: true, force: true });
  }
}

const lockWaitMs = 10 * 60 * 1000;

/** An exclusive lock file beside the output; a lock left by a process that died is taken over. */
function withLock(path: string, action: () => void): void {
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      closeSync(openSync(path, 'wx'));
      writeFileSync(path, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!holderAlive(path)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new UserError(`another build has held ${path} for 10 minutes; remove the file if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    action();
  } finally {
    rmSync(path, { force: true });
  }
}

function holderAlive(path: string): boolean {
  const pid = Number(readFileSync(path, 'utf8').trim() || Number.NaN);
  if (!Number.isInteger(pid)) return true; // being written right now
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
