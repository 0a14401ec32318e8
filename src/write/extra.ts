import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXTRA_FOLDER, type OutputFile } from '../core/output-file.js';
import { entryKind, refusalLines, refusalReason, scanFolder } from '../core/tree.js';

/**
 * The hand-written files of an output's extra/ folders — `extra/` at its root and
 * `environments/<env>/extra/` — which no build writes and none may lose. The writers replace
 * Slipway's folders whole (a staged tree swapped in, or folders renamed in place), so each carries
 * the extra/ files of what it replaces into the replacement, byte for byte, before the swap: a kill
 * at any point leaves them in the old tree or in the new one. An environment gone from the source
 * keeps its folder holding only extra/ (`verify` warns of it as `orphaned-extra`).
 *
 * Regular files only, as everywhere in a deploy tree: a link or special file in an extra/ folder
 * stops the build, since it could be neither carried over as it is nor followed.
 */

/** Every extra/ folder of `out` that holds files, by output-relative path (`extra`, `environments/<env>/extra`). */
export function heldExtraFolders(out: string): Map<string, OutputFile[]> {
  const held = new Map<string, OutputFile[]>();
  const add = (folder: string) => {
    const files = heldExtraFiles(out, folder);
    if (files.length > 0) held.set(folder, files);
  };
  add(EXTRA_FOLDER);
  if (entryKind(join(out, 'environments')) === 'folder') {
    for (const name of readdirSync(join(out, 'environments')).sort()) add(`environments/${name}/${EXTRA_FOLDER}`);
  }
  return held;
}

/**
 * The files of one environment's folder as it is to be written over `environments/<name>` of
 * `out`: `files` (rendered, relative to the folder) and the extra/ files the folder holds now.
 */
export function withHeldExtra(out: string, name: string, files: readonly OutputFile[]): OutputFile[] {
  const extra = heldExtraFiles(out, `environments/${name}/${EXTRA_FOLDER}`);
  return extra.length === 0 ? [...files] : [...files, ...extra.map((file) => ({ path: `${EXTRA_FOLDER}/${file.path}`, bytes: file.bytes }))];
}

/** The files below `folder` (output-relative), paths relative to it; none when it is not there or is a file. */
function heldExtraFiles(out: string, folder: string): OutputFile[] {
  const absolute = join(out, ...folder.split('/'));
  const kind = entryKind(absolute);
  if (kind === undefined || kind === 'file') return [];
  if (kind !== 'folder') throw refused([`${folder} ${refusalReason(kind)}`]);
  const content = scanFolder(absolute);
  if (content.refused.size > 0) throw refused(refusalLines(content.refused, `${folder}/`));
  return [...content.files].map(([path, bytes]) => ({ path, bytes }));
}

function refused(lines: string[]): UserError {
  return new UserError(`cannot keep the hand-written files of the output: ${EXTRA_FOLDER}/ folders hold regular files only, and the build would lose these:\n  ${lines.join('\n  ')}\nReplace each with a regular file or remove it; nothing was written.`);
}
