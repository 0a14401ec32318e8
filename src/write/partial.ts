import { lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { OutputFile } from '../core/output-file.js';
import { sha256Hex } from '../core/digest.js';
import { parseTemporaryName } from './durable.js';
import { guardDestination, isOutputTree, replaceWithStaged } from './index.js';
import { writingTo } from './errors.js';
import { withOutputLock } from './lock.js';
import { recoverInsideOutput, recoverOutput } from './stage.js';

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
 * full build. Under the output lock, the whole new tree is staged beside the output — this build's
 * folders written, every other environment carried over from the current output, the root files
 * recomputed from every manifest — and swapped in like a full build's, so a kill leaves the
 * previous or the new complete tree, never some environments updated and the index not.
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
    if (isOutputTree(out)) recoverInsideOutput(out);
    replaceWithStaged(out, (tree) => {
      tree.folder('environments');
      const rendered = new Set(update.rendered);
      for (const name of [...update.environments].sort()) {
        const folder = update.folders.get(name);
        if (rendered.has(name)) {
          if (folder) tree.write(folder, `environments/${name}`);
        } else if (lstatSync(join(out, 'environments', name), { throwIfNoEntry: false })?.isDirectory()) {
          tree.carry(join(out, 'environments', name), `environments/${name}`);
        }
      }
      const digests = new Map<string, string>();
      for (const name of readdirSync(join(tree.root, 'environments')).sort()) {
        const manifest = join(tree.root, 'environments', name, 'release.json');
        if (lstatSync(manifest, { throwIfNoEntry: false })?.isFile()) digests.set(name, sha256Hex(readFileSync(manifest)));
      }
      tree.write(update.projectFiles(digests));
      // Hidden root entries (a `.git` of a checkout used as --out) are the owner's: kept as they were.
      const existing = lstatSync(out, { throwIfNoEntry: false }) ? readdirSync(out) : [];
      for (const entry of existing.sort()) {
        if (entry.startsWith('.') && !parseTemporaryName(entry)) tree.carry(join(out, entry), entry);
      }
    });
  });
}
