/**
 * The git adapter writes every changed file with one `git fast-import` and reads the files it needs
 * through one `git cat-file --batch`: the bytes committed and read back must be exactly the bytes
 * given, whatever they hold (nothing, a lone newline, binary, the batch protocol's own headers).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { PublishError } from '../../src/core/errors.js';
import { blobReader, openGitRepository } from '../../src/publish/git.js';
import { gitBlobId } from '../../src/publish/output.js';
import { treeId } from '../../src/publish/tree-id.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { bareRepository, cleanUp, repositoryFiles } from './helpers.js';

const describeGit = describeWithTool('git', toolPresent('git'));
afterEach(cleanUp);

const person = { name: 'Slipway', email: 'slipway@example.com' };
const authoring = { author: person, committer: person, time: new Date('2026-01-01T00:00:00Z') };

function awkwardFiles(count: number): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  files.set('empty', new Uint8Array());
  files.set('newline', Buffer.from('\n'));
  files.set('no-final-newline', Buffer.from('a line'));
  files.set('looks-like-an-answer', Buffer.from(`${'0'.repeat(40)} blob 12\nhello world\n\n${'f'.repeat(40)} missing\n`));
  files.set('fast-import-commands', Buffer.from('blob\nmark :1\ndata 3\nabc\ndone\n'));
  files.set('binary', Uint8Array.from({ length: 70_000 }, (_, index) => (index * 7919) % 256));
  for (let index = 0; index < count; index++) files.set(`many/${String(index).padStart(4, '0')}.txt`, Buffer.from(`file ${index}\n`.repeat(index % 50)));
  return files;
}

describeGit('the git deploy repository adapter', () => {
  it('commits a thousand files of any content at once, and reads each back as it was', async () => {
    const bare = bareRepository({ 'kept.txt': 'kept\n', 'removed.txt': 'gone soon\n' });
    const files = awkwardFiles(1000);
    const repository = await openGitRepository(bare, authoring);
    try {
      const base = await repository.read('main');
      const changes = new Map<string, Uint8Array | null>([...files, ['removed.txt', null]]);
      const commit = await repository.commit(base, changes, 'Publish everything');
      expect(await repository.advance('main', base.commit, commit)).toBe(true);

      const committed = repositoryFiles(bare);
      expect([...committed.keys()].sort()).toEqual([...files.keys(), 'kept.txt'].sort());
      for (const [path, bytes] of files) expect(Buffer.from(committed.get(path)!).equals(Buffer.from(bytes)), path).toBe(true);
      execFileSync('git', ['--git-dir', bare, 'fsck', '--strict', '--no-progress'], { stdio: 'pipe' });

      // Read back through the one reader, many at a time and in any order.
      const state = await repository.read('main');
      const paths = [...files.keys()].reverse();
      const read = await Promise.all(paths.map((path) => state.read(path)));
      paths.forEach((path, index) => expect(Buffer.from(read[index]!).equals(Buffer.from(files.get(path)!)), path).toBe(true));
      expect(Buffer.from(await state.read('kept.txt')).toString()).toBe('kept\n');
      await expect(state.read('removed.txt')).rejects.toThrow(PublishError);
    } finally {
      await repository.dispose();
    }
  });

  it('refuses an id no blob has, and goes on answering the others in order', async () => {
    const bare = bareRepository({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const id = (path: string) => execFileSync('git', ['--git-dir', bare, 'rev-parse', `main:${path}`]).toString().trim();
    const reader = blobReader(bare, 'the test repository');
    try {
      const [first, ghost, second] = await Promise.allSettled([reader.read(id('a.txt')), reader.read('f'.repeat(40)), reader.read(id('b.txt'))]);
      expect(first.status === 'fulfilled' && Buffer.from(first.value).toString()).toBe('a\n');
      expect(ghost.status === 'rejected' && ghost.reason).toBeInstanceOf(PublishError);
      expect(second.status === 'fulfilled' && Buffer.from(second.value).toString()).toBe('b\n');
      await expect(reader.read('not an id')).rejects.toThrow(/blob id/);
    } finally {
      reader.close();
    }
  });

  it('computes the id git gives a tree, folders ordered as git orders them', () => {
    const bare = bareRepository();
    const names = ['a-b', 'a.b', 'a/b', 'a0', 'b/c/d', 'b/c.d', 'b.c/x', 'run.sh', 'z y/ünï'];
    const files = new Map(names.map((path, index) => [path, { bytes: Buffer.from(`${path} ${index}\n`), mode: path.endsWith('.sh') ? '100755' : '100644' }]));
    const env = { ...process.env, GIT_INDEX_FILE: join(bare, 'tree-test.index') };
    let info = '';
    for (const [path, file] of files) {
      const id = execFileSync('git', ['--git-dir', bare, 'hash-object', '-w', '--stdin'], { input: file.bytes }).toString().trim();
      expect(id).toBe(gitBlobId(file.bytes));
      info += `${file.mode} ${id}\t${path}\0`;
    }
    execFileSync('git', ['--git-dir', bare, 'update-index', '--add', '-z', '--index-info'], { input: info, env });
    const tree = execFileSync('git', ['--git-dir', bare, 'write-tree'], { env }).toString().trim();
    expect(treeId(new Map([...files].map(([path, file]) => [path, { id: gitBlobId(file.bytes), mode: file.mode }])))).toBe(tree);
  });
});
