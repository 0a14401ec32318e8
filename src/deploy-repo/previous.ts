import { IntegrityError } from '../core/errors.js';
import { refusalLines, type FolderContent } from '../core/tree.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../sign/manifest.js';
import { RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE, type PreviousReleaseIndex } from '../sign/release-index.js';
import { resolve } from 'node:path';
import { deployStateRepository, hideCredentials, type DeployStateRepository } from './checkout.js';
import { GitFileMap, listManagedFiles } from './git-state.js';
import { environmentFolderPaths, folderFiles, type FileMap } from './layout.js';
import { readDeployTree } from './read.js';

/** The deploy repository's state a build chains to: per environment, the signed release files as they are there. */
export interface PreviousTree {
  /** Where it was read from, for messages (credentials hidden). */
  origin: string;
  /** release.json bytes of an environment, or undefined when it has none. */
  manifest(environment: string): Uint8Array | undefined;
  signature(environment: string): Uint8Array | undefined;
  /** Every file of an environment's folder (paths relative to it), to carry a blocked target over unchanged. */
  folder(environment: string): Map<string, Uint8Array>;
  /** The root manifest (release-index.json and its signature) the deploy state holds, if any. */
  releaseIndex(): PreviousReleaseIndex | undefined;
  /**
   * A digest of the names and contents of an environment's files (`GitFileMap.folderFingerprint`),
   * when the state can tell it without reading them: equal digests, equal folders.
   */
  fingerprint?(environment: string): string | undefined;
  /** Removes the temporary clone, if one was made. */
  dispose(): void;
}

/**
 * `build --previous`: the deploy state, read one environment at a time as the build asks for it, so
 * a build of a few environments reads only theirs: its release.json and signature, or the whole
 * folder of a blocked target, which is carried over. A repository is read from git's objects (see
 * `readDeployState`), a folder from its files. A link or special file in a folder it reads fails
 * the build (exit 3).
 */
export function openPrevious(spec: string, cwd: string, branch?: string): PreviousTree {
  const origin = hideCredentials(spec);
  const repository = deployStateRepository(spec, cwd, branch);
  if (repository) {
    try {
      return previousFromGit(repository, origin);
    } catch (error) {
      repository.dispose();
      throw error;
    }
  }
  const root = resolve(cwd, spec);
  // A build asks for each environment's manifest and signature several times (to plan what it
  // reuses, to chain, to record): they alone are read, once, and kept. Past a few environments, all
  // of them are read in one walk of environments/ rather than one walk each.
  const releases = new Map<string, ReadonlyMap<string, Uint8Array>>();
  let everyRelease = false;
  const none: ReadonlyMap<string, Uint8Array> = new Map();
  const release = (name: string) => {
    let files = releases.get(name);
    if (files) return files;
    if (everyRelease) return none;
    if (releases.size < READ_ONE_BY_ONE) {
      files = refuseIrregular(readDeployTree(root, { release: name }), origin).environments.get(name)?.files ?? none;
      releases.set(name, files);
      return files;
    }
    const every = refuseIrregular(readDeployTree(root, 'releases'), origin).environments;
    for (const [environment, folder] of every) releases.set(environment, folder.files);
    everyRelease = true;
    return releases.get(name) ?? none;
  };
  const environment = (name: string) => refuseIrregular(readDeployTree(root, { environment: name }), origin).environments.get(name)?.files ?? new Map<string, Uint8Array>();
  return {
    origin,
    manifest: (name) => release(name).get(MANIFEST_FILE),
    signature: (name) => release(name).get(SIGNATURE_FILE),
    folder: (name) => new Map(environment(name)),
    releaseIndex: () => releaseIndexOf(refuseIrregular(readDeployTree(root, 'root-manifest'), origin).files),
    dispose: () => {},
  };
}

/** The previous state in a repository: what the folder reader refuses, refused where it would be read. */
function previousFromGit(repository: DeployStateRepository, origin: string): PreviousTree {
  if (repository.tree === undefined) return { ...previousFromFiles(new Map(), origin), dispose: repository.dispose };
  const { entries, refused } = listManagedFiles(repository.gitDir, repository.tree);
  const previous = previousFromFiles(new GitFileMap(repository.gitDir, entries), origin);
  const refusingIn = <T>(prefix: string, read: () => T): T => {
    const found = new Map([...refused].filter(([path]) => path.startsWith(prefix)));
    if (found.size > 0) refuseIrregular({ files: new Map(), refused: found }, origin);
    return read();
  };
  return {
    ...previous,
    manifest: (name) => refusingIn(`environments/${name}/`, () => previous.manifest(name)),
    signature: (name) => refusingIn(`environments/${name}/`, () => previous.signature(name)),
    folder: (name) => refusingIn(`environments/${name}/`, () => previous.folder(name)),
    releaseIndex: () => refusingIn(RELEASE_INDEX_FILE, () => previous.releaseIndex()),
    dispose: repository.dispose,
  };
}

/** Environments whose release files are read one folder at a time, before all are read at once. */
const READ_ONE_BY_ONE = 8;

/**
 * `diff --against`: every file Slipway owns in the deploy state (`isManaged`; not `.git`, not the
 * owners' files). A folder is read whole; a repository (a local one in place, a remote one cloned
 * bare; see `deployStateRepository`) from git's objects as the diff asks for files (`GitFileMap`),
 * so a diff reads the folders it compares and no work tree is written. Any link or special file
 * among them fails the diff (exit 3). `dispose` removes a clone once the files are not needed.
 */
export function readDeployState(spec: string, cwd: string, branch?: string): { origin: string; files: FileMap; dispose(): void } {
  const origin = hideCredentials(spec);
  const repository = deployStateRepository(spec, cwd, branch);
  if (repository) {
    try {
      if (repository.tree === undefined) {
        repository.dispose();
        return { origin, files: new Map(), dispose: () => {} };
      }
      const { entries, refused } = listManagedFiles(repository.gitDir, repository.tree);
      refuseIrregular({ files: new Map(), refused }, origin);
      return { origin, files: new GitFileMap(repository.gitDir, entries), dispose: repository.dispose };
    } catch (error) {
      repository.dispose();
      throw error;
    }
  }
  return { origin, files: refuseIrregular(readDeployTree(resolve(cwd, spec), 'managed'), origin).files, dispose: () => {} };
}

/**
 * A deploy state already in memory as the `previous` state `compile` chains manifests to. Files are
 * asked for by path, so a state read from git loads only the release files and the folders used.
 */
export function previousFromFiles(files: FileMap, origin: string): PreviousTree {
  let paths: Map<string, Map<string, string>> | undefined;
  const fingerprint = files instanceof GitFileMap ? (name: string) => files.folderFingerprint(name) : undefined;
  return {
    origin,
    manifest: (name) => files.get(`environments/${name}/${MANIFEST_FILE}`),
    signature: (name) => files.get(`environments/${name}/${SIGNATURE_FILE}`),
    folder: (name) => folderFiles(files, (paths ??= environmentFolderPaths(files)).get(name)),
    ...(fingerprint ? { fingerprint } : {}),
    releaseIndex: () => releaseIndexOf(files),
    dispose: () => {},
  };
}

function releaseIndexOf(files: FileMap): PreviousReleaseIndex | undefined {
  const manifest = files.get(RELEASE_INDEX_FILE);
  if (!manifest) return undefined;
  const signature = files.get(RELEASE_INDEX_SIGNATURE_FILE);
  return { manifest, ...(signature ? { signature } : {}) };
}

function refuseIrregular<Content extends FolderContent>(content: Content, origin: string): Content {
  if (content.refused.size > 0) throw new IntegrityError(`refusing to read the deploy state ${origin}:\n  ${refusalLines(content.refused).join('\n  ')}`);
  return content;
}
