import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { compareText } from '../core/diagnostics.js';
import type { OutputFile } from '../core/output-file.js';
import { fsyncDirectory, temporaryName, writeFileDurable } from './durable.js';
import { StagedTree } from './stage.js';

/**
 * An update of some paths of an output in place, for a build that changed a few environments of
 * many: its cost follows what changed, where swapping a whole new tree in costs a link and an
 * unlink for every file of every environment.
 *
 * 1. The new content is written into `.<out>.update-<pid>/new/`, and flushed.
 * 2. The plan — which paths are replaced and which removed — is written and flushed beside, then
 *    renamed to `.<out>.update-<pid>/plan.json`. Until then the output has not been touched, and
 *    recovery just removes the folder: a kill leaves the previous output exactly.
 * 3. Each path of the output is moved aside (into `old/`) and its new content renamed in; the
 *    folders are flushed; the update folder is removed.
 *
 * A kill during step 3 leaves some paths new and some old, and the plan: `recoverOutput`, run by
 * every later build (of any kind) under the output lock before anything else, completes it, so the
 * output becomes exactly the new one. Every step of the plan can be done again without harm.
 */

export interface UpdatePlan {
  /** Output-relative paths (files or whole folders), in the order they are applied. */
  steps: Array<{ path: string; action: 'replace' | 'remove' }>;
}

const planFile = 'plan.json';

export interface PathUpdate {
  /** Whole folders replaced by these files (paths relative to the folder). */
  folders: ReadonlyMap<string, readonly OutputFile[]>;
  /** Single files replaced or added. */
  files: readonly OutputFile[];
  /** Files or folders removed. */
  removed: readonly string[];
}

/** Applies an update to the output at `out`, whose lock the caller holds. Nothing to do is no write at all. */
export function updateInPlace(out: string, update: PathUpdate): void {
  const steps: UpdatePlan['steps'] = [
    ...[...update.folders.keys(), ...update.files.map((file) => file.path)].map((path) => ({ path, action: 'replace' as const })),
    ...update.removed.filter((path) => lstatSync(join(out, path), { throwIfNoEntry: false })).map((path) => ({ path, action: 'remove' as const })),
  ].sort((a, b) => compareText(a.path, b.path));
  if (steps.length === 0) return;
  const folder = join(dirname(out), temporaryName(basename(out), 'update'));
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  try {
    const staged = new StagedTree(join(folder, 'new'));
    mkdirSync(staged.root);
    for (const [path, files] of update.folders) {
      staged.folder(path);
      staged.write(files, path);
    }
    staged.write(update.files);
    staged.flush();
    // The plan appears whole or not at all: its rename is the moment the update is decided.
    writeFileDurable(join(folder, `${planFile}.partial`), `${JSON.stringify({ steps } satisfies UpdatePlan)}\n`);
    renameSync(join(folder, `${planFile}.partial`), join(folder, planFile));
    fsyncDirectory(folder);
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  applyPlan(folder, out);
}

/**
 * Completes an update a killed build left beside `out` (its plan written), or removes one it left
 * before its plan was; called with the output lock held.
 */
export function recoverUpdate(update: string, out: string): void {
  let plan: UpdatePlan | undefined;
  try {
    plan = JSON.parse(readFileSync(join(update, planFile), 'utf8')) as UpdatePlan;
  } catch {
    plan = undefined;
  }
  if (plan && Array.isArray(plan.steps) && existsSync(out)) applyPlan(update, out);
  else rmSync(update, { recursive: true, force: true });
}

function applyPlan(update: string, out: string): void {
  const plan = JSON.parse(readFileSync(join(update, planFile), 'utf8')) as UpdatePlan;
  const touched = new Set<string>();
  for (const step of plan.steps) {
    const segments = step.path.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) continue;
    const target = join(out, ...segments);
    const aside = join(update, 'old', ...segments);
    const fresh = join(update, 'new', ...segments);
    const freshThere = lstatSync(fresh, { throwIfNoEntry: false }) !== undefined;
    // Moved aside only while its replacement is still waiting: once that is in, the path is done.
    if ((step.action === 'remove' || freshThere) && lstatSync(target, { throwIfNoEntry: false }) && !lstatSync(aside, { throwIfNoEntry: false })) {
      mkdirSync(dirname(aside), { recursive: true });
      renameSync(target, aside);
      touched.add(dirname(target));
    }
    if (step.action === 'replace' && freshThere) {
      mkdirSync(dirname(target), { recursive: true });
      renameSync(fresh, target);
      touched.add(dirname(target));
    }
  }
  for (const dir of [...touched].sort((a, b) => b.length - a.length)) fsyncDirectory(dir);
  fsyncDirectory(out);
  rmSync(update, { recursive: true, force: true });
  fsyncDirectory(dirname(out));
}
