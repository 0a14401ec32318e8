import { sha256Hex } from '../core/digest.js';
import { refusalReason } from '../core/tree.js';
import { heldChartPins } from '../sign/chart-pin.js';
import { MANIFEST_FILE, comparePaths, type ReleaseManifest } from '../sign/manifest.js';
import { RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE, parseReleaseIndex, type ReleaseIndex } from '../sign/release-index.js';
import { addRevocations, type Revocations } from '../sign/revocation.js';
import { checkEnvironmentFolder, signatureProblem, type TreeProblem } from './environment-check.js';
import { extraEnvironment, isExtra, isManaged } from './layout.js';
import type { DeployTree } from './read.js';

export interface VerifiedEnvironment {
  name: string;
  release: string;
  keyId: string;
}

export interface TreeCheck {
  /** The environments that passed every check. */
  environments: VerifiedEnvironment[];
  failures: TreeProblem[];
  /** Files Slipway does not manage (CODEOWNERS, workflows, the extra/ folders): listed, never checked or changed. */
  unmanaged: string[];
  /**
   * The hand-written files of extra/ folders among `unmanaged`, each with the environment whose
   * folder holds it (none for the root's extra/) and whether that environment is one the root
   * manifest no longer lists (its extra/ outlived it).
   */
  extra: ExtraFile[];
  /** The root manifest, when it could be read (its signature may still have failed). */
  releaseIndex?: ReleaseIndex;
  /** Every environment manifest that could be read, by name. */
  manifests: Map<string, ReleaseManifest>;
  /** The key the root manifest's signature verifies under, when it does. */
  rootSignedBy?: string;
  /** Every revocation the check applied: those given, and those the tree's own root manifest records. */
  revoked: Revocations;
}

export interface ExtraFile {
  path: string;
  environment?: string;
  orphaned: boolean;
}

const ROOT_MANIFESTS = new Set([RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE]);

/**
 * Every check of a whole deploy tree in memory, for `verify` and `publish` alike, every problem
 * collected with the file it concerns:
 * - the root manifest (release-index.json) verifies under a trusted key, and every file Slipway
 *   manages outside environments/ is listed in it with its size and sha256, none more, none fewer;
 * - the environment folders are exactly those it lists, each holding the manifest it names;
 * - every folder checks out against its own signed manifest (`checkEnvironmentFolder`), and a
 *   manifest that pins the shared chart matches what charts/<name>/ holds;
 * - links and special files are refused wherever they are; a tree with no environment fails;
 * - no signature counts that only a revoked key made: revoked are the keys of `revoked` (from a
 *   trusted side: the command line, the state a client trusted, the deploy repository) and those
 *   the tree's root manifest revokes itself (read before its signature is checked: a revocation
 *   can only refuse more, so it needs no signature to be heeded).
 */
export function checkDeployTree(tree: DeployTree, trustedKeys: readonly Uint8Array[], revoked: Revocations = new Map()): TreeCheck {
  const failures: TreeProblem[] = [];
  const fail = (file: string, reason: string) => failures.push({ file, reason });
  // A link in an extra/ folder is a failure (below), not one of the owners' files.
  const unmanaged = [...tree.files.keys(), ...[...tree.refused.keys()].filter((path) => !isExtra(path))].filter((path) => !isManaged(path) && !isManaged(`${path}/`)).sort(comparePaths);
  const manifests = new Map<string, ReleaseManifest>();
  const verified: VerifiedEnvironment[] = [];
  const heldChart = heldChartPins(tree.files);

  // Links and special files outside the environment folders (those inside are their folder's
  // problem), and in every extra/ folder: reconcilers read those too, so they hold regular files only.
  // The environments whose extra/ holds such an entry: each fails with its folder (below).
  const refusedExtraOf = new Set<string>();
  for (const [path, kind] of tree.refused) {
    if (isExtra(path)) {
      const environment = extraEnvironment(path);
      if (environment !== undefined) refusedExtraOf.add(environment);
      fail(path, refusalReason(kind));
    } else if ((isManaged(path) || isManaged(`${path}/`)) && !/^environments\/[^/]+\/./s.test(path)) fail(path, refusalReason(kind));
  }
  for (const path of tree.files.keys()) if (/^environments\/[^/]+$/.test(path)) fail(path, 'is a file; environments/ holds only environment folders');

  const root = checkRootManifest(tree, trustedKeys, revoked, fail);
  const releaseIndex = root.index;
  const listed = new Map((releaseIndex?.environments ?? []).map((entry) => [entry.name, entry] as const));
  const names = [...new Set([...tree.environments.keys(), ...listed.keys()])].sort(comparePaths);
  const refusedUnder = [...tree.refused.keys()].some((path) => path === 'environments' || path.startsWith('environments/'));
  if (tree.environments.size === 0 && !refusedUnder) {
    fail('environments', 'holds no environment folder: there is no signed release here to verify');
  }
  for (const name of names) {
    const folder = tree.environments.get(name);
    const entry = listed.get(name);
    const manifestPath = `environments/${name}/${MANIFEST_FILE}`;
    if (releaseIndex && !entry) fail(`environments/${name}`, `is not listed in ${RELEASE_INDEX_FILE} (an environment folder was added)`);
    if (!folder) {
      if (tree.refused.has(`environments/${name}`)) continue; // reported as a link or special file already
      if (entry?.manifestSha256) fail(manifestPath, `is missing: ${RELEASE_INDEX_FILE} lists environment ${name} with manifest ${entry.manifestSha256.slice(0, 12)}…`);
      else if (entry?.status === 'ready') fail(`environments/${name}`, `is missing: ${RELEASE_INDEX_FILE} lists ${name} as ready`);
      continue;
    }
    const check = checkEnvironmentFolder(name, folder, { trustedKeys, revoked: root.revoked });
    failures.push(...check.problems);
    let ok = check.problems.length === 0;
    const manifestBytes = folder.files.get(MANIFEST_FILE);
    if (entry && manifestBytes) {
      const digest = sha256Hex(manifestBytes);
      if (entry.manifestSha256 !== digest) {
        ok = false;
        fail(manifestPath, entry.manifestSha256 ? `is not the manifest ${RELEASE_INDEX_FILE} lists (${entry.manifestSha256.slice(0, 12)}…, this is ${digest.slice(0, 12)}…): an older or another release` : `is there, but ${RELEASE_INDEX_FILE} lists environment ${name} without a folder`);
      }
    }
    if (check.manifest) {
      manifests.set(name, check.manifest);
      const pin = check.manifest.chart;
      if (pin) {
        const held = heldChart(pin.name, pin.version);
        if (held.sha256 !== pin.sha256) {
          ok = false;
          fail(manifestPath, `pins chart ${pin.name} ${pin.version} at sha256 ${pin.sha256.slice(0, 12)}…, but charts/${pin.name}/ holds ${held.sha256.slice(0, 12)}… (a chart file was changed, added or removed)`);
        }
      }
    }
    // A link in its extra/ is the folder's problem too: the reconciler reading the folder would meet it.
    if (refusedExtraOf.has(name)) ok = false;
    if (ok && check.signedBy && releaseIndex) verified.push({ name, release: check.release!, keyId: check.signedBy });
  }
  const extra = [...tree.files.keys()].filter(isExtra).map((path) => {
    const environment = extraEnvironment(path);
    // Without a readable root manifest nothing can be said of which environments exist.
    const orphaned = environment !== undefined && releaseIndex !== undefined && !listed.has(environment);
    return { path, orphaned, ...(environment !== undefined ? { environment } : {}) };
  });
  return {
    environments: verified,
    failures: distinct(failures),
    unmanaged,
    extra,
    manifests,
    revoked: root.revoked,
    ...(releaseIndex ? { releaseIndex } : {}),
    ...(root.signedBy ? { rootSignedBy: root.signedBy } : {}),
  };
}

interface RootCheck {
  index?: ReleaseIndex;
  signedBy?: string;
  revoked: Revocations;
}

/** The root manifest's own checks; returns it when it could be read, with the revocations that apply to the tree. */
function checkRootManifest(tree: DeployTree, trustedKeys: readonly Uint8Array[], given: Revocations, fail: (file: string, reason: string) => void): RootCheck {
  const bytes = tree.files.get(RELEASE_INDEX_FILE);
  const signature = tree.files.get(RELEASE_INDEX_SIGNATURE_FILE);
  if (!bytes) {
    if (!tree.refused.has(RELEASE_INDEX_FILE)) fail(RELEASE_INDEX_FILE, 'is missing: the root files (index.json, README.md, api/, charts/) and the list of environments are not signed; build again with this Slipway');
    return { revoked: given };
  }
  let index: ReleaseIndex | undefined;
  let unreadable: string | undefined;
  try {
    index = parseReleaseIndex(bytes);
  } catch (error) {
    unreadable = (error as Error).message.replace(`${RELEASE_INDEX_FILE} `, '');
  }
  const revoked = addRevocations(new Map(given), index?.revokedKeys ?? [], RELEASE_INDEX_FILE);
  let signedBy: string | undefined;
  if (!signature) {
    if (!tree.refused.has(RELEASE_INDEX_SIGNATURE_FILE)) fail(RELEASE_INDEX_SIGNATURE_FILE, `is missing: ${RELEASE_INDEX_FILE} is not signed (built with --no-sign?)`);
  } else {
    const reason = signatureProblem(bytes, signature, trustedKeys, RELEASE_INDEX_SIGNATURE_FILE, RELEASE_INDEX_FILE, revoked);
    if (typeof reason === 'string') fail(RELEASE_INDEX_SIGNATURE_FILE, reason);
    else signedBy = reason.signedBy;
  }
  if (!index) {
    fail(RELEASE_INDEX_FILE, unreadable!);
    return { revoked };
  }
  const listed = new Set<string>();
  for (const entry of index.files) {
    listed.add(entry.path);
    // A signed list that claims an owner's file (extra/, CODEOWNERS) would let a signature stand for it.
    if (!isManaged(entry.path) || entry.path.startsWith('environments/')) {
      fail(entry.path, `is listed in ${RELEASE_INDEX_FILE}, but is not a root file Slipway writes (a forged or damaged root manifest)`);
      continue;
    }
    const held = tree.files.get(entry.path);
    if (held === undefined) {
      if (!tree.refused.has(entry.path)) fail(entry.path, `is listed in ${RELEASE_INDEX_FILE} but missing`);
    } else if (held.length !== entry.size) fail(entry.path, `does not match ${RELEASE_INDEX_FILE}: ${held.length} bytes, ${RELEASE_INDEX_FILE} lists ${entry.size}`);
    else if (sha256Hex(held) !== entry.sha256) fail(entry.path, `does not match ${RELEASE_INDEX_FILE}: its sha256 differs`);
  }
  for (const path of tree.files.keys()) {
    if (path.startsWith('environments/') || ROOT_MANIFESTS.has(path) || listed.has(path) || !isManaged(path)) continue;
    fail(path, `is not listed in ${RELEASE_INDEX_FILE} (a file was added)`);
  }
  return { index, revoked, ...(signedBy ? { signedBy } : {}) };
}

function distinct(problems: TreeProblem[]): TreeProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.file}\0${problem.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
