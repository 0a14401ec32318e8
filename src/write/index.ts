import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { OutputFile } from '../core/output-file.js';
import { UserError } from '../core/errors.js';
import { writingTo } from './errors.js';
import { heldExtraFolders } from './extra.js';
import { takeOutputLock } from './lock.js';
import { recoverOutput, StagedTree, startStaging, swapIntoPlace } from './stage.js';

import { writeFileAtomic } from './durable.js';

export { writeFileAtomic } from './durable.js';
export { writeIncremental, type IncrementalOutput } from './incremental.js';

/** A file every Slipway output tree has; its absence means a folder is not ours to replace. */
const outputMarker = 'index.json';

/**
 * Writes the complete output tree beside the destination, then swaps it into place (see
 * `stage.ts`), so a build killed at any point leaves the previous or the new complete output.
 * Only this module and the publisher write.
 */
export function writeOutputTree(outDir: string, files: readonly OutputFile[], record?: { path: string; bytes: Uint8Array }): void {
  writeOutputTreeAsRendered(outDir, () => ({ files, ...(record ? { record } : {}) }));
}

/** What a streamed build hands the writer once every folder is staged. */
export interface RenderedRemainder {
  /** The files not staged yet: a streamed build's root files (index.json, the root manifest …), which summarise every folder. */
  files: readonly OutputFile[];
  record?: { path: string; bytes: Uint8Array };
}

/**
 * `writeOutputTree` for a build that renders while it writes: `render` is given a sink that stages
 * each environment's folder as soon as it is rendered (so writing overlaps rendering on the other
 * cores), and returns the root files, or undefined when the build failed. Nothing touches the
 * output before the first folder arrives (a build that fails validation leaves it as it is), and
 * the swap is the same: the new tree appears whole or not at all. Returns whether it was written.
 */
export function writeOutputTreeAsRendered(outDir: string, render: (stage: (environment: string, files: readonly OutputFile[]) => void) => RenderedRemainder | undefined): boolean {
  const destination = resolve(outDir);
  const place = `the output to ${destination}`;
  let session: { tree: StagedTree; release: () => void; extra: Map<string, OutputFile[]> } | undefined;
  const open = () =>
    (session ??= writingTo(place, () => {
      mkdirSync(dirname(destination), { recursive: true });
      const release = takeOutputLock(destination);
      try {
        recoverOutput(destination);
        guardDestination(destination);
        // The hand-written files of extra/ folders, read under the lock before anything is staged (see `extra.ts`).
        const extra = heldExtraFolders(destination);
        return { tree: new StagedTree(startStaging(destination)), release, extra };
      } catch (error) {
        release();
        throw error;
      }
    }));
  try {
    const remainder = render((environment, files) => {
      const { tree } = open();
      writingTo(place, () => tree.write(files, `environments/${environment}`));
    });
    if (!remainder) return false;
    const { tree, extra } = open();
    writingTo(place, () => {
      tree.write(remainder.files);
      for (const [folder, held] of extra) tree.write(held, folder);
      // The old record goes before the swap: a kill after it must not leave it describing the old tree.
      if (remainder.record) rmSync(remainder.record.path, { force: true });
      tree.flush();
      swapIntoPlace(tree.root, destination);
      if (remainder.record) writeFileAtomic(remainder.record.path, remainder.record.bytes);
    });
    return true;
  } finally {
    if (session) {
      // Gone after a swap; after a failure, whatever was staged goes.
      rmSync(session.tree.root, { recursive: true, force: true });
      session.release();
    }
  }
}

/** Stages a tree with `fill`, flushes it and swaps it in; on any failure the staging folder goes. */
export function replaceWithStaged(destination: string, fill: (tree: StagedTree) => void): void {
  const tree = new StagedTree(startStaging(destination));
  try {
    fill(tree);
    tree.flush();
    swapIntoPlace(tree.root, destination);
  } catch (error) {
    rmSync(tree.root, { recursive: true, force: true });
    throw error;
  }
}

export function guardDestination(destination: string): void {
  if (!existsSync(destination)) return;
  if (!statSync(destination).isDirectory()) {
    throw new UserError(`cannot write the output to ${destination}: it exists and is not a folder`);
  }
  const entries = readdirSync(destination);
  if (entries.length > 0 && !entries.includes(outputMarker)) {
    throw new UserError(`refusing to replace ${destination}: it is not empty and does not look like Slipway output (no ${outputMarker}); choose another --out`);
  }
}

/** Whether a folder holds a Slipway output tree (and so may be repaired in place). */
export function isOutputTree(destination: string): boolean {
  return existsSync(resolve(destination, outputMarker));
}
