import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EXTRA_FOLDER, type OutputFile } from '../core/output-file.js';
import { sha256Hex } from '../core/digest.js';
import { parseTemporaryName, writeFileAtomic } from './durable.js';
import { guardDestination, isOutputTree, replaceWithStaged } from './index.js';
import { withHeldExtra } from './extra.js';
import { keepExtraOf, rootChanges } from './incremental.js';
import { writingTo } from './errors.js';
import { withOutputLock } from './lock.js';
import { recoverInsideOutput, recoverOutput, StagedTree, startStaging, swapIntoPlace } from './stage.js';
import { updateInPlace } from './update.js';

export interface PartialUpdate {
  /** The environments this build rendered (its `--env` or `--shard` share). */
  rendered: readonly string[];
  /** Their new folders; a rendered environment without one (blocked, nothing kept) loses its folder. */
  folders: ReadonlyMap<string, OutputFile[]>;
  /** sha256 of the release.json of each of those folders that has one, as the render made it. */
  manifestDigests: ReadonlyMap<string, string>;
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
    if (isOutputTree(out)) {
      updateShareInPlace(out, update);
      return;
    }
    let record: { path: string; bytes: Uint8Array } | undefined;
    replaceWithStaged(out, (tree) => {
      for (const name of [...update.rendered].sort()) {
        const folder = update.folders.get(name);
        if (folder) tree.write(folder, `environments/${name}`);
      }
      record = finishStagedShare(tree, update);
    });
    if (record) writeFileAtomic(record.path, record.bytes);
  });
}

/**
 * `writePartialTree` for a share that renders while it writes: `render` is given a sink that stages
 * each folder as soon as it is rendered, and returns the update, or undefined when the build
 * failed. Into a folder that holds no output yet (a CI runner's share), the tree is staged as it
 * renders and swapped in at the end, as a full build's is. The staging folder is this process's
 * own, so the output lock is taken only at the end: shares built at the same time into one folder
 * render at the same time and take turns to write. If another share made the output meanwhile,
 * this one goes in place of its folders as `writePartialTree` does. Returns whether it was written.
 */
export function writePartialTreeAsRendered(outDir: string, render: (stage: (environment: string, files: readonly OutputFile[]) => void) => PartialUpdate | undefined): boolean {
  const out = resolve(outDir);
  const place = `the output to ${out}`;
  let staged: StagedTree | undefined;
  const staging = (): StagedTree => {
    if (!staged) {
      mkdirSync(dirname(out), { recursive: true });
      staged = new StagedTree(startStaging(out));
    }
    return staged;
  };
  try {
    const update = render((environment, files) => writingTo(place, () => staging().write(files, `environments/${environment}`)));
    if (!update) return false;
    writingTo(place, () => {
      mkdirSync(dirname(out), { recursive: true });
      withOutputLock(out, () => {
        recoverOutput(out, staged?.root);
        guardDestination(out);
        if (isOutputTree(out)) {
          updateShareInPlace(out, update);
          return;
        }
        const tree = staging();
        const record = finishStagedShare(tree, update);
        tree.flush();
        swapIntoPlace(tree.root, out);
        staged = undefined;
        if (record) writeFileAtomic(record.path, record.bytes);
      });
    });
    return true;
  } finally {
    // After a failure (or when the share went in place), whatever was staged goes.
    if (staged) rmSync(staged.root, { recursive: true, force: true });
  }
}

/** The root files of a share staged as a whole new tree, written into it; returns the record to write after the swap. */
function finishStagedShare(tree: StagedTree, update: PartialUpdate): { path: string; bytes: Uint8Array } | undefined {
  tree.folder('environments');
  const rootFiles = update.projectFiles(update.manifestDigests);
  const record = update.record?.(rootFiles);
  tree.write(rootFiles);
  return record;
}

/** This share's folders in place of theirs in an existing output, under the lock, with the root files recomputed. */
function updateShareInPlace(out: string, update: PartialUpdate): void {
  const rendered = new Set(update.rendered);
  recoverInsideOutput(out);
  const present = lstatSync(join(out, 'environments'), { throwIfNoEntry: false })?.isDirectory() ? readdirSync(join(out, 'environments')) : [];
  const digests = new Map(update.manifestDigests);
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
  }
  const removed = keepExtraOf(out, present.filter((name) => !update.environments.has(name) || (rendered.has(name) && !update.folders.has(name))), folders);
  // Hidden root entries (a `.git` of a checkout used as --out) and extra/ are the owner's: kept as they are.
  const rootFiles = update.projectFiles(digests);
  const root = rootChanges(out, rootFiles, (entry) => entry === EXTRA_FOLDER || (entry.startsWith('.') && !parseTemporaryName(entry)));
  const record = update.record?.(rootFiles);
  updateInPlace(out, { folders: new Map([...folders, ...root.folders]), files: root.files, removed: [...removed, ...root.removed] });
  if (record) writeFileAtomic(record.path, record.bytes);
}
