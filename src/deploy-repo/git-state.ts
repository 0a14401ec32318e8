import { hash } from 'node:crypto';
import { compareText } from '../core/diagnostics.js';
import { BugError, IntegrityError } from '../core/errors.js';
import { gitSync, treeEntries } from '../core/git.js';
import type { RefusedKind } from '../core/tree.js';
import { environmentFolders, isManaged, isReleaseFile } from './layout.js';

/**
 * A deploy state read from git's objects instead of a checkout: `git ls-tree` lists every file with
 * its blob id, and `git cat-file --batch` reads the blobs asked for, in one process per
 * group. A diff of a fleet's pull request then writes no work tree (tens of thousands of files,
 * seconds on a CI runner's disk) and reads only the folders it compares: a blob id names its
 * content, so a folder whose ids are the ones a cache recorded holds the bytes that were compared
 * then.
 */

interface Entry {
  id: string;
}

/** The files of `tree` (a commit or tree id) in the repository at `gitDir`, that Slipway owns. */
export function listManagedFiles(gitDir: string, tree: string): { entries: Map<string, Entry>; refused: Map<string, RefusedKind> } {
  // No `-l`: sizes would have git open every blob, and only tree objects need reading here.
  const found: Array<[string, Entry]> = [];
  const refused = new Map<string, RefusedKind>();
  for (const { mode, type, id, path } of treeEntries(gitSync(['--git-dir', gitDir, 'ls-tree', '-r', '-z', '--full-tree', tree]).toString('utf8'))) {
    if (!ownedPath(path)) continue;
    // A link is refused as a checkout's reader refuses it; a submodule is an empty folder in a checkout.
    if (mode === '120000') refused.set(path, 'symbolic link');
    else if (type === 'blob') found.push([path, { id }]);
  }
  // In the order the folder reader gives paths, so that either reading walks a state the same way.
  return { entries: new Map(found.sort(([a], [b]) => compareText(a, b))), refused };
}

/** What `readDeployTree(…, 'managed')` reads of a checkout: the root files Slipway owns, and everything below its folders. */
function ownedPath(path: string): boolean {
  const slash = path.indexOf('/');
  return slash < 0 ? isManaged(path) : isManaged(`${path.slice(0, slash)}/`);
}

/**
 * The files of a git deploy state as a map that reads blobs when they are asked for: the release
 * files of every environment together (a build chains to all of them), an environment's other files
 * together, the files outside `environments/` together, and everything at once when the whole map is
 * walked. Keys come from the listing alone.
 */
export class GitFileMap implements ReadonlyMap<string, Uint8Array> {
  private readonly loaded = new Map<string, Uint8Array>();
  /** Every file in the listing's order, once all are read. */
  private everything: Map<string, Uint8Array> | undefined;
  private fingerprints: Map<string, string> | undefined;
  private groups: Map<string, string[]> | undefined;
  private groupsLoaded = 0;

  constructor(
    private readonly gitDir: string,
    private readonly listing: ReadonlyMap<string, Entry>,
  ) {}

  get size(): number {
    return this.listing.size;
  }

  has(path: string): boolean {
    return this.listing.has(path);
  }

  get(path: string): Uint8Array | undefined {
    if (!this.listing.has(path)) return undefined;
    const bytes = this.loaded.get(path);
    if (bytes) return bytes;
    // Past a few folders, the rest are read in the same batch: one git process, not one a folder.
    if (this.groupsLoaded++ >= GROUPS_ONE_BY_ONE) this.whole();
    else this.load(this.groupOf(path));
    return this.loaded.get(path);
  }

  /**
   * A digest of an environment folder's paths and blob ids (its extra files left out, as every
   * reader of a folder leaves them): equal digests, equal bytes, with no blob read. Undefined when
   * the folder holds nothing.
   */
  folderFingerprint(environment: string): string | undefined {
    this.fingerprints ??= new Map(
      [...environmentFolders([...this.listing].map(([path, entry]): [string, string] => [path, entry.id]))].map(([name, ids]) => [name, hash('sha256', [...ids].map(([path, id]) => `${path}\0${id}`).sort().join('\n'), 'hex')]),
    );
    return this.fingerprints.get(environment);
  }

  keys(): MapIterator<string> {
    return this.listing.keys();
  }

  entries(): MapIterator<[string, Uint8Array]> {
    return this.whole().entries();
  }

  values(): MapIterator<Uint8Array> {
    return this.whole().values();
  }

  [Symbol.iterator](): MapIterator<[string, Uint8Array]> {
    return this.entries();
  }

  forEach(callback: (value: Uint8Array, key: string, map: ReadonlyMap<string, Uint8Array>) => void): void {
    for (const [path, bytes] of this.entries()) callback(bytes, path, this);
  }

  /** Every file, read in one go the first time the whole map is walked. */
  private whole(): Map<string, Uint8Array> {
    if (!this.everything) {
      this.load([...this.listing.keys()]);
      this.everything = new Map([...this.listing.keys()].map((path): [string, Uint8Array] => [path, this.loaded.get(path)!]));
    }
    return this.everything;
  }

  /** The paths read together with `path`: its environment's folder, every release file, or every file outside `environments/`. */
  private groupOf(path: string): string[] {
    if (!this.groups) {
      this.groups = new Map();
      for (const other of this.listing.keys()) {
        const key = groupKey(other);
        if (!this.groups.has(key)) this.groups.set(key, []);
        this.groups.get(key)!.push(other);
      }
    }
    return this.groups.get(groupKey(path)) ?? [path];
  }

  private load(paths: readonly string[]): void {
    const wanted = paths.filter((path) => !this.loaded.has(path));
    if (wanted.length === 0) return;
    // Each blob once: a fleet's folders hold many files of the same bytes (scripts, keys, charts).
    const pathsOf = new Map<string, string[]>();
    for (const path of wanted) {
      const id = this.listing.get(path)!.id;
      const same = pathsOf.get(id);
      if (same) same.push(path);
      else pathsOf.set(id, [path]);
    }
    const ids = [...pathsOf.keys()];
    const output = gitSync(['--git-dir', this.gitDir, 'cat-file', '--batch'], `${ids.join('\n')}\n`);
    let offset = 0;
    for (const id of ids) {
      const headerEnd = output.indexOf(0x0a, offset);
      const header = output.subarray(offset, headerEnd).toString('latin1');
      const [answered, type, size] = header.split(' ');
      if (answered === id && type === 'missing') throw new IntegrityError(`the deploy state's repository is damaged: it lists ${pathsOf.get(id)![0]} but holds no object ${id}`);
      if (answered !== id || type !== 'blob' || size === undefined) throw new BugError(`git cat-file answered ${JSON.stringify(header)} for ${pathsOf.get(id)![0]}`);
      const start = headerEnd + 1;
      const end = start + Number(size);
      // A copy for each path: the batch's buffer holds every other blob, and no two files share bytes.
      for (const path of pathsOf.get(id)!) this.loaded.set(path, new Uint8Array(output.subarray(start, end)));
      offset = end + 1;
    }
  }
}

/** Folders read one batch each before the rest of the state is read in one. */
const GROUPS_ONE_BY_ONE = 8;

function groupKey(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'environments' || parts.length < 3) return 'project';
  if (isReleaseFile(path)) return 'releases';
  return `environment ${parts[1]}`;
}
