import { join } from 'node:path';
import { sha256Hex } from '../core/digest.js';
import { UserError } from '../core/errors.js';
import { entryKind, refusalReason } from '../core/tree.js';
import { checkEnvironmentFolder, readDeployTree } from '../deploy-repo/index.js';
import { signatureProblem, type SignatureCheck, type TreeProblem } from '../deploy-repo/environment-check.js';
import type { EnvironmentFolder } from '../deploy-repo/read.js';
import { MANIFEST_FILE } from '../sign/manifest.js';
import { RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE, parseReleaseIndex, type ReleaseIndex } from '../sign/release-index.js';
import { addRevocations, type Revocations } from '../sign/revocation.js';

/**
 * One shard build's output (`build --shard K/N --out DIR`), as `merge` reads it: its environment
 * folders and its root manifest. Its other root files (index.json, README.md, api/, charts/) are
 * never taken: the merge makes them again for the whole fleet, as a full build does.
 */
export interface ShardOutput {
  /** The folder as it was named on the command line: every message names files under it. */
  label: string;
  environments: ReadonlyMap<string, EnvironmentFolder>;
  /** What lies in environments/ and is not an environment folder (a file, a link): always a problem. */
  strays: TreeProblem[];
  /** release-index.json; absent only when it is a link or special file (one of `strays`). */
  rootManifest?: Uint8Array;
  rootSignature?: Uint8Array;
}

/**
 * Reads a shard's output folder. A folder that is not the output of `slipway build` is a user
 * error (exit 1), never a crash: a missing artifact, a wrong path, a source tree given by mistake.
 * An environments/ folder may be absent: a share with no environment in it has none once
 * uploaded, since artifact uploads keep no empty folder.
 */
export function readShard(dir: string, label: string): ShardOutput {
  const kind = entryKind(dir);
  if (kind === undefined) throw new UserError(`shard-not-output: ${label} does not exist; give the --out folder of each shard build (a share whose artifact was not downloaded?)`);
  if (kind !== 'folder') throw new UserError(`shard-not-output: ${label} is ${kind === 'file' ? 'a file' : `a ${kind}`}, not the --out folder of a shard build`);
  if (entryKind(join(dir, 'index.json')) !== 'file') {
    throw new UserError(`shard-not-output: ${label} holds no index.json: it is not the output of \`slipway build\`; give the --out folder of each shard build`);
  }
  const root = readDeployTree(dir, 'root-manifest');
  const strays: TreeProblem[] = [...root.refused].map(([path, refused]) => ({ file: `${label}/${path}`, reason: refusalReason(refused) }));
  const rootManifest = root.files.get(RELEASE_INDEX_FILE);
  if (!rootManifest && !root.refused.has(RELEASE_INDEX_FILE)) {
    throw new UserError(`shard-not-output: ${label} holds no ${RELEASE_INDEX_FILE}: it was built by an older Slipway, or is not a build's output; build the share again`);
  }
  const tree = readDeployTree(dir, 'environments');
  for (const [path, refused] of tree.refused) if (!/^environments\/[^/]+\/./s.test(path)) strays.push({ file: `${label}/${path}`, reason: refusalReason(refused) });
  for (const path of tree.files.keys()) if (/^environments\/[^/]+$/.test(path)) strays.push({ file: `${label}/${path}`, reason: 'is a file; environments/ holds only environment folders' });
  const signature = root.files.get(RELEASE_INDEX_SIGNATURE_FILE);
  return { label, environments: tree.environments, strays, ...(rootManifest ? { rootManifest } : {}), ...(signature ? { rootSignature: signature } : {}) };
}

/** How the shards' signatures are checked: under the trusted keys (a signed merge), or not at all (`--no-sign`). */
export type ShardSignatures = { trustedKeys: readonly Uint8Array[]; revoked: Revocations } | 'unchecked';

/**
 * Every check `verify` makes of a folder, made of each of a shard's environment folders before
 * the merge trusts it: every file listed in its release.json with the right size and sha256,
 * nothing more; the manifest signed by a trusted key that is not revoked (unless unsigned); and
 * the manifest the one the shard's signed root manifest lists for it, so no folder was swapped
 * for another signed one. Returns every problem, each naming its file under the shard's label.
 */
export function shardProblems(shard: ShardOutput, signatures: ShardSignatures): TreeProblem[] {
  const problems: TreeProblem[] = [...shard.strays];
  const fail = (path: string, reason: string) => problems.push({ file: `${shard.label}/${path}`, reason });
  let index: ReleaseIndex | undefined;
  try {
    if (shard.rootManifest) index = parseReleaseIndex(shard.rootManifest);
  } catch (error) {
    fail(RELEASE_INDEX_FILE, (error as Error).message.replace(`${RELEASE_INDEX_FILE} `, ''));
  }
  let check: SignatureCheck = 'unchecked';
  if (signatures !== 'unchecked') {
    const revoked = addRevocations(new Map(signatures.revoked), index?.revokedKeys ?? [], `${shard.label}/${RELEASE_INDEX_FILE}`);
    check = { trustedKeys: signatures.trustedKeys, revoked };
    if (shard.rootManifest && shard.rootSignature) {
      const reason = signatureProblem(shard.rootManifest, shard.rootSignature, signatures.trustedKeys, `${shard.label}/${RELEASE_INDEX_SIGNATURE_FILE}`, RELEASE_INDEX_FILE, revoked);
      if (typeof reason === 'string') fail(RELEASE_INDEX_SIGNATURE_FILE, reason);
    }
  }
  const listed = new Map((index?.environments ?? []).map((entry) => [entry.name, entry.manifestSha256] as const));
  for (const [name, folder] of shard.environments) {
    problems.push(...checkEnvironmentFolder(name, folder, check).problems.map((problem) => ({ file: `${shard.label}/${problem.file}`, reason: problem.reason })));
    const manifest = folder.files.get(MANIFEST_FILE);
    if (!index || !manifest) continue;
    const digest = sha256Hex(manifest);
    if (listed.get(name) !== digest) {
      const says = listed.get(name) ? `lists ${listed.get(name)!.slice(0, 12)}…, this is ${digest.slice(0, 12)}…` : listed.has(name) ? `lists ${name} without a folder` : `does not list ${name}`;
      fail(`environments/${name}/${MANIFEST_FILE}`, `is not the manifest the shard's ${RELEASE_INDEX_FILE} names (it ${says}): a folder was replaced or added`);
    }
  }
  const strayPaths = new Set(problems.map((problem) => problem.file));
  for (const [name, digest] of listed) {
    if (digest && !shard.environments.has(name) && !strayPaths.has(`${shard.label}/environments/${name}`)) fail(`environments/${name}`, `is missing: the shard's ${RELEASE_INDEX_FILE} lists it with manifest ${digest.slice(0, 12)}…`);
  }
  return problems;
}
