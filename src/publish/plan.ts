import { compareText } from '../core/diagnostics.js';
import { environmentFolders, isManaged, parseLoosely, readIndex, type IndexEntry } from '../deploy-repo/index.js';
import { PublishError } from '../core/errors.js';
import { MANIFEST_FILE, SIGNATURE_FILE, parseManifest } from '../sign/manifest.js';
import { sha256Hex } from '../core/digest.js';
import { gitBlobId, type BuiltOutput } from './output.js';
import { projectFiles } from './project-files.js';
import { RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE, type PreviousReleaseIndex } from '../sign/release-index.js';

/** The deploy repository's branch as one publish attempt sees it. */
export interface RepoState {
  /** The head commit, or null when the branch does not exist yet. */
  commit: string | null;
  tree: string | null;
  /** Every file of the head commit: path → blob id and mode. */
  files: ReadonlyMap<string, { id: string; mode: string }>;
  read(path: string): Promise<Uint8Array>;
  /** Whether these exact manifest bytes were ever `environments/<env>/release.json` behind the head. */
  published(environment: string, manifest: Uint8Array): Promise<boolean>;
}

/** A branch head as a `RepoState`: `read` looks a path up in the head's listing and fetches that blob by id. */
export function headState(
  repository: string,
  head: Pick<RepoState, 'commit' | 'tree' | 'files'>,
  blob: (id: string, path: string) => Promise<Uint8Array>,
  published: RepoState['published'],
): RepoState {
  return {
    ...head,
    async read(path) {
      const entry = head.files.get(path);
      if (!entry) throw new PublishError(`${repository} has no ${path}`);
      return blob(entry.id, path);
    },
    published,
  };
}

/** The mode a written file is committed with: executable if the repository had it so, a plain file otherwise. */
export function fileMode(base: Pick<RepoState, 'files'>, path: string): '100755' | '100644' {
  return base.files.get(path)?.mode === '100755' ? '100755' : '100644';
}

/**
 * What happens to one environment:
 * - `added`/`updated`: the build's folder replaces the repo's (the compare-and-swap held);
 * - `removed`: gone from the source, so gone from the deploy repo;
 * - `unchanged`: the repo's folder is already byte-identical;
 * - `kept-newer`: this build did not change it and a later publish did: the repo's folder stays;
 * - `kept-blocked`: the target is blocked: nothing new is published for it, the repo's folder stays;
 * - `re-signed`: the repo's folder with the same manifest, signed again by a current key (a key
 *   rotation): only release.json.sig changes, and the build's signature verified under the
 *   trusted keys, so it replaces the repo's whatever the state of the target.
 */
export type EnvironmentAction = 'added' | 'updated' | 'removed' | 'unchanged' | 'kept-newer' | 'kept-blocked' | 're-signed';

export interface EnvironmentPlan {
  name: string;
  action: EnvironmentAction;
  release?: string;
  sequence?: number;
  /** sha256 of the release.json the repo holds after this publish. */
  manifestSha256: string | null;
}

export interface Conflict {
  environment: string;
  reason: string;
}

export interface PublishPlan {
  /** Path → new bytes, or null to delete. Empty when the repo already holds the build. */
  changes: Map<string, Uint8Array | null>;
  environments: EnvironmentPlan[];
  /** Stale environments: when there is any, nothing may be committed. */
  conflicts: Conflict[];
  /** `source.commit` of the manifests this publish writes. */
  sourceCommits: string[];
}

const short = (digest: string | null) => (digest ? `${digest.slice(0, 12)}…` : 'none');

/**
 * The compare-and-swap, per environment (SPEC §6). The build's `release.json` names, in
 * `previous`, the manifest it chained to; its folder replaces the repo's only if the repo still
 * holds exactly that manifest (or none, for `previous: null`). A folder the build did not change
 * keeps the manifest it was built against; when the repo has moved past it, the later publish wins
 * and its folder stays. Anything else is a stale build: a conflict, and no commit.
 */
export async function planPublish(output: BuiltOutput, repo: RepoState, signingSeed?: Uint8Array, revokedKeys: readonly string[] = []): Promise<PublishPlan> {
  const builtFolders = environmentFolders(output.files);
  const heldFolders = environmentFolders([...repo.files].map(([path, entry]) => [path, entry.id] as const));
  const names = [...new Set([...output.index.keys(), ...heldFolders.keys()])].sort(compareText);
  const final = new Map<string, { id: string; bytes?: Uint8Array }>();
  const environments: EnvironmentPlan[] = [];
  const conflicts: Conflict[] = [];
  const keptEntries = new Map<string, IndexEntry>();
  const sourceCommits = new Set<string>();
  let repoIndex: Map<string, IndexEntry> | undefined;

  for (const name of names) {
    const prefix = `environments/${name}/`;
    const built = builtFolders.get(name) ?? new Map<string, Uint8Array>();
    const held = heldFolders.get(name) ?? new Map<string, string>();
    const entry = output.index.get(name);
    const takeBuilt = () => {
      for (const [path, bytes] of built) final.set(prefix + path, { id: gitBlobId(bytes), bytes });
    };
    const keepHeld = () => {
      for (const [path, id] of held) final.set(prefix + path, { id });
    };

    if (!entry) {
      environments.push({ name, action: 'removed', manifestSha256: null });
      continue;
    }
    if (sameFolder(built, held)) {
      takeBuilt();
      const manifest = built.get(MANIFEST_FILE);
      environments.push({ name, action: 'unchanged', manifestSha256: manifest ? sha256Hex(manifest) : null, ...releaseOf(parseLoosely(manifest)) });
      continue;
    }
    if (onlySignatureDiffers(built, held)) {
      takeBuilt();
      const manifest = built.get(MANIFEST_FILE)!;
      environments.push({ name, action: 're-signed', manifestSha256: sha256Hex(manifest), ...releaseOf(parseLoosely(manifest)) });
      continue;
    }
    // Only folders that differ cost a read of the repo's manifest.
    const heldManifest = held.has(MANIFEST_FILE) ? await repo.read(prefix + MANIFEST_FILE) : undefined;
    const heldDigest = heldManifest ? sha256Hex(heldManifest) : null;
    const heldFields = parseLoosely(heldManifest);
    const keep = async (action: EnvironmentAction) => {
      keepHeld();
      repoIndex ??= readIndex(new Map(repo.files.has('index.json') ? [['index.json', await repo.read('index.json')]] : []));
      keptEntries.set(name, keptEntry(entry, repoIndex.get(name), heldDigest, heldFields));
      environments.push({ name, action, manifestSha256: heldDigest, ...releaseOf(heldFields) });
    };
    if (entry.status === 'blocked') {
      await keep('kept-blocked');
      continue;
    }
    const builtManifest = built.get(MANIFEST_FILE)!;
    const manifest = parseManifest(builtManifest, `${prefix}${MANIFEST_FILE}`);
    const builtDigest = sha256Hex(builtManifest);
    if (manifest.previous === heldDigest) {
      takeBuilt();
      if (manifest.source.commit) sourceCommits.add(manifest.source.commit);
      environments.push({ name, action: heldManifest ? 'updated' : 'added', manifestSha256: builtDigest, release: manifest.release, sequence: manifest.sequence });
      continue;
    }
    if (heldManifest) {
      if (heldFields?.previous === builtDigest || (await repo.published(name, builtManifest))) {
        await keep('kept-newer');
        continue;
      }
    }
    conflicts.push({
      environment: name,
      reason:
        manifest.previous === null
          ? `this build has no previous manifest for it (built without --previous, or before it was first published), but the deploy repository holds ${short(heldDigest)}`
          : heldManifest
            ? `this build chained to manifest ${short(manifest.previous)}, but the deploy repository now holds ${short(heldDigest)}`
            : `this build chained to manifest ${short(manifest.previous)}, but the environment is no longer in the deploy repository`,
    });
  }

  const root = new Set(['index.json', 'README.md', RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE]);
  for (const [path, bytes] of output.files) {
    if (!path.startsWith('environments/') && !root.has(path)) final.set(path, { id: gitBlobId(bytes), bytes });
  }
  // The root manifest is rewritten only when there are no conflicts: a conflict commits nothing anyway.
  if (conflicts.length === 0) {
    const signing = { held: await heldReleaseIndex(repo), revokedKeys, ...(signingSeed ? { signingSeed } : {}) };
    for (const file of projectFiles(output, keptEntries, signing)) final.set(file.path, { id: gitBlobId(file.bytes), bytes: file.bytes });
  }

  const changes = new Map<string, Uint8Array | null>();
  for (const [path, { id, bytes }] of final) if (repo.files.get(path)?.id !== id && bytes) changes.set(path, bytes);
  for (const path of repo.files.keys()) if (isManaged(path) && !final.has(path)) changes.set(path, null);
  return { changes, environments, conflicts, sourceCommits: [...sourceCommits].sort(compareText) };
}

async function heldReleaseIndex(repo: RepoState): Promise<PreviousReleaseIndex | undefined> {
  if (!repo.files.has(RELEASE_INDEX_FILE)) return undefined;
  const manifest = await repo.read(RELEASE_INDEX_FILE);
  return { manifest, ...(repo.files.has(RELEASE_INDEX_SIGNATURE_FILE) ? { signature: await repo.read(RELEASE_INDEX_SIGNATURE_FILE) } : {}) };
}

/** The same files, byte for byte, but for release.json.sig: the same manifest signed again. */
function onlySignatureDiffers(built: Map<string, Uint8Array>, held: Map<string, string>): boolean {
  if (built.size !== held.size || !built.has(MANIFEST_FILE) || !built.has(SIGNATURE_FILE) || !held.has(SIGNATURE_FILE)) return false;
  for (const [path, bytes] of built) if (path !== SIGNATURE_FILE && held.get(path) !== gitBlobId(bytes)) return false;
  return true;
}

function sameFolder(built: Map<string, Uint8Array>, held: Map<string, string>): boolean {
  if (built.size !== held.size) return false;
  for (const [path, bytes] of built) if (held.get(path) !== gitBlobId(bytes)) return false;
  return true;
}

function releaseOf(manifest: Record<string, unknown> | undefined): { release?: string; sequence?: number } {
  return {
    ...(typeof manifest?.release === 'string' ? { release: manifest.release } : {}),
    ...(typeof manifest?.sequence === 'number' ? { sequence: manifest.sequence } : {}),
  };
}

/**
 * The index entry of an environment whose folder is kept from the repo, so that `index.json`
 * always describes the folders actually committed. The build's verdict (status, block reasons) is
 * the newest word on a blocked target; for a folder a later publish wrote, that publish's entry is.
 */
function keptEntry(built: IndexEntry, held: IndexEntry | undefined, digest: string | null, manifest: Record<string, unknown> | undefined): IndexEntry {
  if (built.status === 'blocked') return { ...built, manifestSha256: digest };
  if (held && held.manifestSha256 === digest) return held;
  const pick = (key: 'release' | 'mode' | 'provider' | 'runtime') => (typeof manifest?.[key] === 'string' ? { [key]: manifest[key] as string } : {});
  return { ...built, manifestSha256: digest, ...pick('release'), ...pick('mode'), ...pick('provider'), ...pick('runtime') };
}
