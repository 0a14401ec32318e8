import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from './errors.js';
import { entryKind, refusalLines, refusalReason, scanFolder } from './tree.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'slipway-core-tree-'));
  made.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const text = (files: Map<string, Uint8Array>) => Object.fromEntries([...files].map(([path, bytes]) => [path, new TextDecoder().decode(bytes)]));
// mkfifo is POSIX; there is no FIFO to make on Windows.
const hasMkfifo = process.platform !== 'win32';

describe('scanFolder', () => {
  it('reads every regular file, with /-separated paths in path order', () => {
    const root = folder({ 'b.txt': 'b', 'a/z.txt': 'z', 'a-c.txt': 'ac', 'a/b/c.txt': 'c' });
    const { files, refused } = scanFolder(root);
    expect([...files.keys()]).toEqual(['a-c.txt', 'a/b/c.txt', 'a/z.txt', 'b.txt']);
    expect(text(files)['a/b/c.txt']).toBe('c');
    expect(files.get('b.txt')).toBeInstanceOf(Uint8Array);
    expect(refused.size).toBe(0);
  });

  it('leaves out what `include` rejects, without descending into a folder it rejects', () => {
    const root = folder({ 'keep/a.txt': 'a', 'skip/b.txt': 'b', 'code.ts': 'x' });
    symlinkSync('/etc', join(root, 'skip', 'link'));
    const { files, refused } = scanFolder(root, { include: (path) => !path.startsWith('skip') && !path.endsWith('.ts') });
    expect([...files.keys()]).toEqual(['keep/a.txt']);
    expect(refused.size).toBe(0);
  });

  it('never follows a link to a file or to a folder, and reports both by path', () => {
    const outside = folder({ 'secret.txt': 'do not read', 'dir/inner.txt': 'nor this' });
    const root = folder({ 'a/real.txt': 'r' });
    symlinkSync(join(outside, 'secret.txt'), join(root, 'a', 'file-link'));
    symlinkSync(join(outside, 'dir'), join(root, 'a', 'folder-link'));
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
    const { files, refused } = scanFolder(root);
    expect([...files.keys()]).toEqual(['a/real.txt']);
    expect(Object.fromEntries(refused)).toEqual({ 'a/file-link': 'symbolic link', 'a/folder-link': 'symbolic link', dangling: 'symbolic link' });
  });

  it.skipIf(!hasMkfifo)('refuses a FIFO without opening it (it would block)', () => {
    const root = folder({ 'a.txt': 'a' });
    execFileSync('mkfifo', [join(root, 'pipe')]);
    expect(Object.fromEntries(scanFolder(root).refused)).toEqual({ pipe: 'FIFO' });
  });

  it('reads a root that is reached through a link: only what lies below it is held to the rule', () => {
    const target = folder({ 'a.txt': 'a' });
    const links = folder({});
    symlinkSync(target, join(links, 'root'));
    expect(text(scanFolder(join(links, 'root')).files)).toEqual({ 'a.txt': 'a' });
  });

  it('refuses a root that is not a folder', () => {
    const root = folder({ 'a.txt': 'a' });
    expect(() => scanFolder(join(root, 'a.txt'))).toThrow(UserError);
    expect(() => scanFolder(join(root, 'missing'))).toThrow(/is not a folder/);
  });
});

describe('refusalLines', () => {
  it('names every refused entry, with the folder it is relative to, in the same words', () => {
    const root = folder({ 'a/real.txt': 'r' });
    symlinkSync('/etc/hostname', join(root, 'a', 'file-link'));
    symlinkSync('/etc', join(root, 'folder-link'));
    expect(refusalLines(scanFolder(root).refused, 'out/')).toEqual([
      'out/a/file-link is a symbolic link; Slipway reads regular files only, never links or special files',
      'out/folder-link is a symbolic link; Slipway reads regular files only, never links or special files',
    ]);
    expect(refusalReason('FIFO')).toBe('is a FIFO; Slipway reads regular files only, never links or special files');
  });
});

describe('entryKind', () => {
  it('tells a file, a folder, a link and nothing apart without following the link', () => {
    const root = folder({ 'a.txt': 'a', 'dir/b.txt': 'b' });
    symlinkSync(join(root, 'dir'), join(root, 'link'));
    expect([entryKind(join(root, 'a.txt')), entryKind(join(root, 'dir')), entryKind(join(root, 'link')), entryKind(join(root, 'none'))]).toEqual([
      'file',
      'folder',
      'symbolic link',
      undefined,
    ]);
  });
});
