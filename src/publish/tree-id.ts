/**
 * The id git gives the root tree of a set of files, computed here so that a publisher which lets
 * the server write the blobs (GitHub's tree requests with inline content) can still prove that
 * the server stored every file exactly as sent: one changed byte anywhere changes the root's id.
 * Git's tree format: entries `<mode> <name>\0<20-byte id>`, ordered by name with a folder's name
 * compared as if it ended in `/`, folders with mode `40000`; the id is the SHA-1 of
 * `tree <length>\0` and the entries, as for a blob.
 */
import { createHash } from 'node:crypto';
import { fileMode, type RepoState } from './plan.js';

export interface TreeFile {
  id: string;
  mode: string;
}

/** The files of the head with the changed files' blob ids applied (null: removed), as the new commit holds them. */
export function committedFiles(base: Pick<RepoState, 'files'>, changedIds: ReadonlyMap<string, string | null>): Map<string, TreeFile> {
  const files = new Map<string, TreeFile>(base.files);
  for (const [path, id] of changedIds) {
    if (id === null) files.delete(path);
    else files.set(path, { id, mode: fileMode(base, path) });
  }
  return files;
}

interface Folder {
  files: Map<string, TreeFile>;
  folders: Map<string, Folder>;
}

/** The id of the root tree holding `files` (by `/`-separated path). */
export function treeId(files: ReadonlyMap<string, TreeFile>): string {
  const root: Folder = { files: new Map(), folders: new Map() };
  for (const [path, file] of files) {
    const parts = path.split('/');
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let inner = folder.folders.get(part);
      if (!inner) {
        inner = { files: new Map(), folders: new Map() };
        folder.folders.set(part, inner);
      }
      folder = inner;
    }
    folder.files.set(parts.at(-1)!, file);
  }
  return folderId(root);
}

function folderId(folder: Folder): string {
  const entries = [
    ...[...folder.files].map(([name, file]) => ({ key: Buffer.from(name), name, mode: file.mode, id: file.id })),
    ...[...folder.folders].map(([name, inner]) => ({ key: Buffer.from(`${name}/`), name, mode: '40000', id: folderId(inner) })),
  ].sort((a, b) => Buffer.compare(a.key, b.key));
  const body = Buffer.concat(entries.flatMap((entry) => [Buffer.from(`${entry.mode} ${entry.name}\0`), Buffer.from(entry.id, 'hex')]));
  return createHash('sha1').update(`tree ${body.length}\0`).update(body).digest('hex');
}
