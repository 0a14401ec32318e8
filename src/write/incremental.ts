import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { compareText } from '../core/diagnostics.js';
import { EXTRA_FOLDER, type OutputFile } from '../core/output-file.js';
import { writeFileAtomic } from './durable.js';
import { writingTo } from './errors.js';
import { withHeldExtra } from './extra.js';
import { guardDestination, isOutputTree } from './index.js';
import { withOutputLock } from './lock.js';
import { recoverOutput } from './stage.js';
import { updateInPlace } from './update.js';

/**
 * How a build that kept some folders of `--out` writes: only the folders it rendered, the
 * environments gone from the source, and the root files that changed — in place, through an update
 * a kill cannot leave half done (see `update.ts`). The record that let it keep folders is written
 * under the same lock, after the output.
 */
export interface IncrementalOutput {
  /** Folders this build rendered, by environment (files relative to the folder). */
  rendered: ReadonlyMap<string, readonly OutputFile[]>;
  /** Environments whose folder in `--out` stays as it is. */
  kept: ReadonlySet<string>;
  /** Every file of the new tree outside environments/. */
  rootFiles: readonly OutputFile[];
  /** The build record beside the output: the one the build planned from (by digest), and the one to write. */
  record: { path: string; expectedDigest: string; bytes: Uint8Array };
}

/** The root entries a Slipway output has (and extra/, its owners'); anything else there means a whole tree is written instead. */
const rootEntries = new Set(['index.json', 'README.md', 'release-index.json', 'release-index.json.sig', 'api', 'charts', 'environments', EXTRA_FOLDER]);

/**
 * Writes the output in place; false — nothing written — when `--out` is no longer what the build
 * planned from (another build wrote it meanwhile, or someone changed it), so the caller renders
 * everything and writes a whole tree instead.
 */
export function writeIncremental(outDir: string, output: IncrementalOutput): boolean {
  const out = resolve(outDir);
  return writingTo(`the output to ${out}`, () => {
    mkdirSync(dirname(out), { recursive: true });
    let written = false;
    withOutputLock(out, () => {
      recoverOutput(out);
      guardDestination(out);
      if (!isOutputTree(out) || digestOf(output.record.path) !== output.record.expectedDigest) return;
      const entries = readdirSync(out);
      if (entries.some((entry) => !rootEntries.has(entry))) return;
      const present = new Set(readdirSync(join(out, 'environments')));
      if ([...output.kept].some((name) => !present.has(name))) return;

      const folders = new Map<string, readonly OutputFile[]>();
      for (const [name, files] of output.rendered) folders.set(`environments/${name}`, withHeldExtra(out, name, files));
      const gone = [...present].filter((name) => !output.kept.has(name) && !output.rendered.has(name));
      const removed = keepExtraOf(out, gone, folders);
      const root = rootChanges(out, output.rootFiles, (entry) => entry === EXTRA_FOLDER);
      for (const [path, files] of root.folders) folders.set(path, files);
      removed.push(...root.removed);
      const files = root.files;
      updateInPlace(out, { folders, files, removed });
      writeFileAtomic(output.record.path, output.record.bytes);
      written = true;
    });
    return written;
  });
}

/**
 * The folders of environments that lose theirs, to remove; a folder that holds extra/ files is
 * replaced in `folders` by one holding only them instead, since Slipway never removes those.
 */
export function keepExtraOf(out: string, names: readonly string[], folders: Map<string, readonly OutputFile[]>): string[] {
  const removed: string[] = [];
  for (const name of names) {
    // A folder already down to its extra/ (an environment removed by an earlier build) stays as it is.
    if (onlyExtra(join(out, 'environments', name))) continue;
    const extra = withHeldExtra(out, name, []);
    if (extra.length > 0) folders.set(`environments/${name}`, extra);
    else removed.push(`environments/${name}`);
  }
  return removed;
}

function onlyExtra(folder: string): boolean {
  try {
    const entries = readdirSync(folder);
    return entries.length === 1 && entries[0] === EXTRA_FOLDER;
  } catch {
    return false;
  }
}

/**
 * What of the root of an output (everything but environments/) differs from `rootFiles`: root files
 * to write, `api` and `charts/<name>` folders to replace whole (so a file they no longer hold goes
 * with its folder), and entries to remove — but those `keep` accepts.
 */
export function rootChanges(out: string, rootFiles: readonly OutputFile[], keep: (entry: string) => boolean): { files: OutputFile[]; folders: Map<string, OutputFile[]>; removed: string[] } {
  const files: OutputFile[] = [];
  const units = new Map<string, OutputFile[]>();
  for (const file of rootFiles) {
    const unit = unitOf(file.path);
    if (unit) units.set(unit, [...(units.get(unit) ?? []), { path: file.path.slice(unit.length + 1), bytes: file.bytes }]);
    else if (!sameBytes(join(out, file.path), file.bytes)) files.push(file);
  }
  const folders = new Map<string, OutputFile[]>();
  for (const [unit, unitFiles] of units) if (!sameFolder(join(out, unit), unitFiles)) folders.set(unit, unitFiles);
  const removed: string[] = [];
  for (const entry of readdirSync(out)) {
    if (entry === 'environments' || keep(entry)) continue;
    if (entry === 'charts' && lstatSync(join(out, entry)).isDirectory()) {
      for (const chart of readdirSync(join(out, 'charts'))) if (!units.has(`charts/${chart}`)) removed.push(`charts/${chart}`);
      continue;
    }
    if (entry === 'api' ? !units.has('api') : !rootFiles.some((file) => file.path === entry)) removed.push(entry);
  }
  return { files, folders, removed };
}

/** `api` or `charts/<name>` for a file inside one; undefined for a file at the root. */
function unitOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts.length === 1) return undefined;
  if (parts[0] === 'charts') return parts.length > 2 ? `charts/${parts[1]}` : undefined;
  return parts[0];
}

function digestOf(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

function sameBytes(path: string, bytes: Uint8Array): boolean {
  try {
    return Buffer.from(bytes).equals(readFileSync(path));
  } catch {
    return false;
  }
}

/** Whether a folder holds exactly these files (paths relative to it), byte for byte. */
function sameFolder(dir: string, files: readonly OutputFile[]): boolean {
  const held: string[] = [];
  const walk = (relative: string): boolean => {
    let entries;
    try {
      entries = readdirSync(join(dir, relative), { withFileTypes: true });
    } catch {
      return false;
    }
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!walk(path)) return false;
      } else if (entry.isFile()) held.push(path);
      else return false;
    }
    return true;
  };
  if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory() || !walk('')) return false;
  const wanted = files.map((file) => file.path).sort(compareText);
  held.sort(compareText);
  if (wanted.length !== held.length || wanted.some((path, index) => path !== held[index])) return false;
  return files.every((file) => sameBytes(join(dir, file.path), file.bytes));
}
