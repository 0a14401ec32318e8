import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { OutputFile } from '../core/output-file.js';
import { UserError } from '../core/errors.js';

/** A file every Slipway output tree has; its absence means a folder is not ours to replace. */
const outputMarker = 'index.json';

/**
 * Writes the complete output tree beside the destination, then swaps it into place, so an
 * interrupted build leaves the previous output intact. Only this module and the publisher write.
 */
export function writeOutputTree(outDir: string, files: readonly OutputFile[]): void {
  const destination = resolve(outDir);
  guardDestination(destination);
  replaceFolder(destination, files);
}

/**
 * Replaces a folder whole with the given files (or removes it, for undefined): staged as a hidden
 * sibling, then renamed into place; on failure the previous folder is put back.
 */
export function replaceFolder(folder: string, files: readonly OutputFile[] | undefined): void {
  const parent = dirname(folder);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${basename(folder)}.staging-${process.pid}`);
  const retired = join(parent, `.${basename(folder)}.previous-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    if (files) {
      for (const file of files) {
        const path = join(staging, ...file.path.split('/'));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.bytes, { mode: 0o644 });
      }
      mkdirSync(staging, { recursive: true });
    }
    if (existsSync(folder)) renameSync(folder, retired);
    if (files) renameSync(staging, folder);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(folder) && existsSync(retired)) renameSync(retired, folder);
    throw error;
  }
  rmSync(retired, { recursive: true, force: true });
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

/** Replaces one file atomically: written beside it, then renamed over it. */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const staging = join(dirname(path), `.${basename(path)}.staging-${process.pid}`);
  try {
    writeFileSync(staging, content, { mode });
    renameSync(staging, path);
  } finally {
    rmSync(staging, { force: true });
  }
}
