import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256Hex } from '../core/digest.js';
import { IntegrityError } from '../core/errors.js';
import { gitSync } from '../core/git.js';
import { MANIFEST_FILE, parseManifest } from '../sign/manifest.js';
import { RELEASE_INDEX_FILE, parseReleaseIndex } from '../sign/release-index.js';
import { deployStateRepository, hideCredentials } from './checkout.js';
import { GitFileMap, listManagedFiles } from './git-state.js';
import { environmentFolders, isReleaseFile } from './layout.js';
import type { TreeProblem } from './environment-check.js';
import { readDeployTree, type DeployTree, type EnvironmentFolder } from './read.js';

/** The links of a manifest chain: how far along it is, and the digest of the manifest before it. */
interface Link {
  sequence: number;
  previous: string | null;
}

/** The manifests a path held in the history of the tree's git work tree, by sha256; empty without history. */
type History = (path: string) => Map<string, Link>;

/** The deploy state a client last trusted (`verify --against`), read once. */
export interface TrustedState {
  /** Where it came from, credentials hidden. */
  origin: string;
  /** Its manifests: the root manifest and every environment's release.json and signature, all the checks read. */
  tree: DeployTree;
  /** The release keys its root manifest revokes: they stay revoked for any later tree. */
  revokedKeys: string[];
}

/** Reads `spec` (a folder, or anything git can clone, `#REF` allowed; a repository from its objects) as the state a client last trusted. */
export function readTrustedState(spec: string, cwd: string): TrustedState {
  const origin = hideCredentials(spec);
  const repository = deployStateRepository(spec, cwd);
  let tree: DeployTree;
  if (repository) {
    try {
      tree = trustedManifests(repository.gitDir, repository.tree);
    } finally {
      repository.dispose();
    }
  } else tree = readDeployTree(resolve(cwd, spec), 'managed');
  if (tree.refused.size > 0) throw new IntegrityError(`the trusted state ${origin} holds links or special files; it cannot be compared against`);
  const root = tree.files.get(RELEASE_INDEX_FILE);
  const revokedKeys = root ? (parseReleaseIndex(root, `${RELEASE_INDEX_FILE} of the trusted state ${origin}`).revokedKeys ?? []) : [];
  return { origin, tree, revokedKeys };
}

/** The manifests of a commit of a repository (none for an empty one), as a tree of just them. */
function trustedManifests(gitDir: string, commit: string | undefined): DeployTree {
  if (commit === undefined) return { files: new Map(), refused: new Map(), environments: new Map() };
  const { entries, refused } = listManagedFiles(gitDir, commit);
  const all = new GitFileMap(gitDir, entries);
  const files = new Map<string, Uint8Array>();
  for (const path of all.keys()) {
    if (path === RELEASE_INDEX_FILE || isReleaseFile(path)) files.set(path, all.get(path)!);
  }
  const environments = new Map([...environmentFolders(files)].map(([name, folder]): [string, EnvironmentFolder] => [name, { files: folder, refused: new Map() }]));
  return { files, refused, environments };
}

/**
 * `verify --against`: rollback and freeze protection against the state the client last trusted.
 * Every manifest the trusted state holds (each environment's release.json and the root
 * release-index.json) must be either the same in the tree verified, or a later one whose
 * `previous` chain leads back to it: a lower `sequence` is an older release replayed, an equal one
 * with other content a forked history. A manifest signed again after a key rotation is the same
 * bytes, so it is the same manifest here. The chain is followed through the git history of the
 * verified folder when it is a clone; without history only a direct successor can be shown to
 * reach it. And every key the trusted state revokes must still be revoked: revocations are never
 * undone (the caller also refuses, through `checkDeployTree`, every signature by such a key).
 */
export function checkAgainst(dir: string, tree: DeployTree, trustedState: TrustedState): TreeProblem[] {
  const { origin, tree: trusted } = trustedState;
  const history = gitHistory(dir);
  const problems: TreeProblem[] = [];
  const compare = (path: string, read: (bytes: Uint8Array, what: string) => Link) => {
    const old = trusted.files.get(path);
    const now = tree.files.get(path);
    if (!old || !now) return;
    const oldLink = read(old, `${path} of the trusted state ${origin}`);
    let nowLink: Link;
    try {
      nowLink = read(now, path);
    } catch {
      return; // the tree check reports a damaged manifest already
    }
    const reason = chainProblem(now, nowLink, old, oldLink, () => history(path), origin);
    if (reason) problems.push({ file: path, reason });
  };
  compare(RELEASE_INDEX_FILE, (bytes, what) => parseReleaseIndex(bytes, what));
  for (const name of trusted.environments.keys()) compare(`environments/${name}/${MANIFEST_FILE}`, (bytes, what) => parseManifest(bytes, what));
  const dropped = trustedState.revokedKeys.filter((id) => !revokedIn(tree).includes(id));
  if (dropped.length > 0 && tree.files.has(RELEASE_INDEX_FILE)) {
    problems.push({ file: RELEASE_INDEX_FILE, reason: `does not revoke key ${dropped.join(', ')}, which the trusted state ${origin} revokes: a revocation was dropped (a revoked key stays revoked; its signatures are refused here either way)` });
  }
  return problems;
}

function revokedIn(tree: DeployTree): string[] {
  try {
    return parseReleaseIndex(tree.files.get(RELEASE_INDEX_FILE)!).revokedKeys ?? [];
  } catch {
    return []; // the tree check reports a damaged root manifest already
  }
}

function chainProblem(now: Uint8Array, link: Link, old: Uint8Array, oldLink: Link, history: () => Map<string, Link>, origin: string): string | undefined {
  const trustedDigest = sha256Hex(old);
  if (sha256Hex(now) === trustedDigest) return undefined;
  const seen = `${origin} holds sequence ${oldLink.sequence} (${trustedDigest.slice(0, 12)}…)`;
  if (link.sequence < oldLink.sequence) return `has sequence ${link.sequence}, lower than the trusted state's: ${seen}; an older release was replayed`;
  if (link.sequence === oldLink.sequence) return `has sequence ${link.sequence} but other content than the trusted state's: ${seen}; the history was forked`;
  let at: Link | undefined = link;
  let known: Map<string, Link> | undefined;
  for (let steps = 0; at && at.previous && at.sequence > oldLink.sequence && steps < 100_000; steps++) {
    if (at.previous === trustedDigest) return undefined;
    known ??= history();
    at = known.get(at.previous);
  }
  const hint = known && known.size > 0 ? '' : ' (verify a clone of the deploy repository with its history to follow a chain of more than one step)';
  return `has sequence ${link.sequence}, but its previous chain does not lead back to the trusted manifest: ${seen}${hint}`;
}

/** Every version of a manifest in the git history of `dir`, when it is the top of a git work tree. */
function gitHistory(dir: string): History {
  if (!existsSync(join(dir, '.git'))) return () => new Map();
  const git = (args: string[]) => gitSync(['-C', dir, ...args]);
  return (path) => {
    const versions = new Map<string, Link>();
    let commits: string[];
    try {
      commits = git(['log', '--format=%H', '--', path]).toString().split('\n').filter(Boolean);
    } catch {
      return versions;
    }
    for (const commit of commits) {
      try {
        const bytes = new Uint8Array(git(['show', `${commit}:${path}`]));
        const value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Link>;
        if (typeof value.sequence === 'number' && (value.previous === null || typeof value.previous === 'string')) {
          versions.set(sha256Hex(bytes), { sequence: value.sequence, previous: value.previous });
        }
      } catch {
        // Deleted at that commit, or not a manifest: not a link of any chain.
      }
    }
    return versions;
  };
}
