import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareText } from '../../src/core/diagnostics.js';
import { afterEach } from 'vitest';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** 2026-11-20T00:00:00Z: the fixtures' attestations are fresh at this moment. */
export const fixedEpoch = '1795132800';

/**
 * A throwaway copy of a fixture tree with some files replaced (string), added, or removed (null).
 * Returns its path; the caller's afterEach may remove it with `removeTree`.
 */
export function makeTree(edits: Record<string, string | null> = {}, base = 'minimal'): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-tree-'));
  cpSync(join(fixturesDir, base), dir, { recursive: true });
  for (const [path, content] of Object.entries(edits)) {
    const target = join(dir, path);
    if (content === null) {
      rmSync(target, { force: true });
    } else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
  }
  return dir;
}

export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `makeTree` for one test file: call it at the top level of the file, and every tree the returned
 * function makes is removed after the test that made it.
 */
export function useTrees(): (edits?: Record<string, string | null>, base?: string) => string {
  const trees: string[] = [];
  afterEach(() => {
    while (trees.length > 0) removeTree(trees.pop()!);
  });
  return (edits = {}, base) => {
    const root = makeTree(edits, base);
    trees.push(root);
    return root;
  };
}

/**
 * Empty throwaway folders for one test file: call it at the top level of the file, and every folder
 * the returned function makes (named after `prefix`) is removed after the test that made it.
 */
export function useScratchFolders(prefix: string): () => string {
  const folders: string[] = [];
  afterEach(() => {
    while (folders.length > 0) removeTree(folders.pop()!);
  });
  return () => {
    const folder = mkdtempSync(join(tmpdir(), prefix));
    folders.push(folder);
    return folder;
  };
}

/** Every file under a folder, by path relative to it (forward slashes), with its bytes. */
export function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => compareText(a.name, b.name))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(dir, path).split('\\').join('/'), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

/** The parts of the bundled example a source tree is made of. */
const exampleSourceParts = ['environments', 'services', 'releases', 'policies', 'secrets', 'keys', 'overlays', 'slipway.yaml'];

/** Copies the bundled example's source tree (every runtime, provider and verdict) into `root`. */
export function copyExampleSource(root: string): string {
  for (const part of exampleSourceParts) cpSync(join(repositoryRoot, part), join(root, part), { recursive: true });
  return root;
}

/** Changes one file of a tree; an edit that changes nothing fails the test rather than testing nothing. */
export function editFile(root: string, path: string, change: (text: string) => string): void {
  const file = join(root, path);
  const before = readFileSync(file, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`the edit of ${path} changes nothing`);
  writeFileSync(file, after);
}
