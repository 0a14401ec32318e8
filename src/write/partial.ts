import { lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EXTRA_FOLDER, type OutputFile } from '../core/output-file.js';
import { sha256Hex } from '../core/digest.js';
import { parseTemporaryName, writeFileAtomic } from './durable.js';
import { guardDestination, isOutputTree, replaceWithStaged } from './index.js';
import { withHeldExtra } from './extra.js';
import { keepExtraOf, rootChanges } from './incremental.js';
import { writingTo } from './errors.js';
import { withOutputLock } from './lock.js';
import { recoverInsideOutput, recoverOutput } from './stage.js';
import { updateInPlace } from './update.js';

export interface PartialUpdate {
  /** The environments this build rendered (its `--env` or `--shard` share). */
  rendered: readonly string[];
  /** Their new folders; a rendered environment without one (blocked, nothing kept) loses its folder. */
  folders: ReadonlyMap<string, OutputFile[]>;
  /** Every environment of the source tree: folders of any other name are gone from the source. */
  environments: ReadonlySet<string>;
  /** The root files, computed from every environment's manifest digest as it now stands on disk. */
  projectFiles: (manifestDigests: ReadonlyMap<string, string>) => OutputFile[];
  /**
   * The build record to write beside the output once it is updated, made from the new root files;
   * called under the lock before the output changes, so it can read what the output held.
   */
  record?: (rootFiles: readonly OutputFile[]) => { path: string; bytes: Uint8Array };
}

/**
 * Updates only some environments of an existing output tree, so builds of disjoint shares
 * (`--shard 1/4` … `4/4`, on one machine or one after another) add up to exactly the tree of one
 * full build. Under the output lock, this build's folders are written in place of theirs, folders of
 * environments gone from the source are removed, and the root files are recomputed from every
 * manifest — through the in-place update of `update.ts`, whose cost follows what changed and which
 * a kill never leaves half done. Into a folder that holds no output yet, the tree is staged whole
 * and swapped in like a full build's.
 */
export function writePartialTree(outDir: string, update: PartialUpdate): void {
  const out = resolve(outDir);
  writingTo(`the output to ${out}`, () => writePartial(out, update));
}

function writePartial(out: string, update: PartialUpdate): void {
  mkdirSync(dirname(out), { recursive: true });
  withOutputLock(out, () => {
    recoverOutput(out);
    guardDestination(out);
    const rendered = new Set(update.rendered);
    if (!isOutputTree(out)) {
      let record: { path: string; bytes: Uint8Array } | undefined;
      replaceWithStaged(out, (tree) => {
        tree.folder('environments');
        const digests = new Map<string, string>();
        for (const name of [...rendered].sort()) {
          const folder = update.folders.get(name);
          if (!folder) continue;
          tree.write(folder, `environments/${name}`);
          const manifest = folder.find((file) => file.path === 'release.json');
          if (manifest) digests.set(name, sha256Hex(manifest.bytes));
        }
        const rootFiles = update.projectFiles(digests);
        record = update.record?.(rootFiles);
        tree.write(rootFiles);
      });
      if (record) writeFileAtomic(record.path, record.bytes);
      return;
    }
    recoverInsideOutput(out);
    const present = lstatSync(join(out, 'environments'), { throwIfNoEntry: false })?.isDirectory() ? readdirSync(join(out, 'environments')) : [];
    const digests = new Map<string, string>();
    for (const name of present) {
      if (rendered.has(name) || !update.environments.has(name)) continue;
      const manifest = join(out, 'environments', name, 'release.json');
      if (lstatSync(manifest, { throwIfNoEntry: false })?.isFile()) digests.set(name, sha256Hex(readFileSync(manifest)));
    }
    const folders = new Map<string, readonly OutputFile[]>();
    for (const name of rendered) {
      const folder = update.folders.get(name);
      if (!folder) continue;
      folders.set(`environments/${name}`, withHeldExtra(out, name, folder));
      const manifest = folder.find((file) => file.path === 'release.json');
      if (manifest) digests.set(name, sha256Hex(manifest.bytes));
    }
    const removed = keepExtraOf(out, present.filter((name) => !update.environments.has(name) || (rendered.has(name) && !update.folders.has(name))), folders);
    // Hidden root entries (a `.git` of a checkout used as --out) and extra/ are the owner's: kept as they are.
    const rootFiles = update.projectFiles(digests);
    const root = rootChanges(out, rootFiles, (entry) => entry === EXTRA_FOLDER || (entry.startsWith('.') && !parseTemporaryName(entry)));
    const record = update.record?.(rootFiles);
    updateInPlace(out, { folders: new Map([...folders, ...root.folders]), files: root.files, removed: [...removed, ...root.removed] });
    if (record) writeFileAtomic(record.path, record.bytes);
  });
}
