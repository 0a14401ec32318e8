import { sha256Hex } from '../core/digest.js';
import { keyId } from '../core/signing/keys.js';
import type { Revocations } from '../sign/revocation.js';
import { parseSignatureFile, verifyBytes } from '../core/signing/signature.js';
import { EXTRA_FOLDER } from '../core/output-file.js';
import { refusalReason } from '../core/tree.js';
import { MANIFEST_FILE, SIGNATURE_FILE, comparePaths, parseManifest, type ReleaseManifest } from '../sign/manifest.js';
import type { EnvironmentFolder } from './read.js';

/** One thing wrong with a deploy tree: the path (relative to the tree's root) and why, worded to follow the path. */
export interface TreeProblem {
  file: string;
  reason: string;
}

/** How the signature of an environment's release manifest is checked. */
export type SignatureCheck =
  /** `slipway verify`: release.json.sig must verify release.json under one of these keys that is not revoked. */
  | { trustedKeys: readonly Uint8Array[]; revoked?: Revocations }
  /** `publish`: release.json.sig must be there; the workflow runs `slipway verify` first to check it. */
  | 'present'
  /** An unsigned (`--no-sign`) tree, as `merge --no-sign` reads its shards: a signature is neither required nor checked. */
  | 'unchecked';

export interface EnvironmentCheck {
  problems: TreeProblem[];
  /** The manifest's release, when it could be read. */
  release?: string;
  /** The manifest, when it could be read. */
  manifest?: ReleaseManifest;
  /** Key id of the trusted key the signature verifies under (with `trustedKeys` only). */
  signedBy?: string;
}

/**
 * The checks of one `environments/<name>/` folder against its release manifest, for `verify` and
 * `publish` alike. Every problem is collected, not just the first:
 * - only regular files (a link or special file is a problem, never followed);
 * - a folder holding anything holds release.json, and release.json.sig (checked as `signatures` says);
 * - the manifest is valid, canonical, and its `environment` is the folder's name;
 * - every listed file is there with the listed size and sha256, and no other file is.
 */
export function checkEnvironmentFolder(name: string, folder: EnvironmentFolder, signatures: SignatureCheck): EnvironmentCheck {
  const prefix = `environments/${name}/`;
  const problems: TreeProblem[] = [];
  const problem = (path: string, reason: string) => problems.push({ file: prefix + path, reason });
  const { files, refused } = folder;

  for (const [path, kind] of refused) problem(path, refusalReason(kind));
  const manifestBytes = files.get(MANIFEST_FILE);
  if (manifestBytes === undefined) {
    problem(MANIFEST_FILE, `is missing: the folder holds ${files.size} file(s) but no release manifest`);
    return { problems };
  }

  const signature = files.get(SIGNATURE_FILE);
  let signedBy: string | undefined;
  if (signature === undefined) {
    if (signatures !== 'unchecked') problem(SIGNATURE_FILE, 'is missing: release.json is not signed (built with --no-sign?)');
  } else if (signatures !== 'present' && signatures !== 'unchecked') {
    const reason = signatureProblem(manifestBytes, signature, signatures.trustedKeys, `${prefix}${SIGNATURE_FILE}`, MANIFEST_FILE, signatures.revoked);
    if (typeof reason === 'string') problem(SIGNATURE_FILE, reason);
    else signedBy = reason.signedBy;
  }

  // The content is checked even when the signature failed, to say as much as possible at once.
  let manifest;
  try {
    manifest = parseManifest(manifestBytes, `${prefix}${MANIFEST_FILE}`);
  } catch (error) {
    problem(MANIFEST_FILE, (error as Error).message.replace(`${prefix}${MANIFEST_FILE} `, ''));
    return { problems };
  }
  if (manifest.environment !== name) {
    problem(MANIFEST_FILE, `is the manifest of environment "${manifest.environment}", but it is in the folder of "${name}"`);
  }
  const listed = new Set<string>([MANIFEST_FILE, SIGNATURE_FILE]);
  for (const entry of manifest.files) {
    listed.add(entry.path);
    // The folder's extra/ is its owners': a manifest that lists a file there would sign for it.
    if (entry.path.startsWith(`${EXTRA_FOLDER}/`)) {
      problem(entry.path, `is listed in release.json, but ${EXTRA_FOLDER}/ holds hand-written files Slipway never writes (a forged or damaged manifest)`);
      continue;
    }
    const bytes = files.get(entry.path);
    if (bytes === undefined) {
      if (!reportedAsRefused(entry.path, refused)) problem(entry.path, 'is listed in release.json but missing');
    } else if (bytes.length !== entry.size) {
      problem(entry.path, `does not match release.json: ${bytes.length} bytes, release.json lists ${entry.size}`);
    } else if (sha256Hex(bytes) !== entry.sha256) {
      problem(entry.path, 'does not match release.json: its sha256 differs');
    }
  }
  const unlisted = [...files.keys()].filter((path) => !listed.has(path)).sort(comparePaths);
  for (const path of unlisted) problem(path, 'is not listed in release.json (a file was added)');
  return { problems, release: manifest.release, manifest, ...(signedBy ? { signedBy } : {}) };
}

/** Whether a path is, or lies in a folder that is, a link or special file: reported as one already, not also as missing. */
function reportedAsRefused(path: string, refused: ReadonlyMap<string, unknown>): boolean {
  for (let at = path.length; at > 0; at = path.lastIndexOf('/', at - 1)) if (refused.has(path.slice(0, at))) return true;
  return false;
}

/**
 * Why `signatureFile` (at `path`) does not verify `signed` (named `signedName` in messages) under
 * any trusted key that is not revoked, or the key id it verifies under. A signature by a revoked
 * key is refused even while that key is still in the trusted folder: revocation wins.
 */
export function signatureProblem(signed: Uint8Array, signatureFile: Uint8Array, trustedKeys: readonly Uint8Array[], path: string, signedName: string, revoked: Revocations = new Map()): string | { signedBy: string } {
  let signature: Uint8Array;
  try {
    signature = parseSignatureFile(signatureFile, path);
  } catch (error) {
    return (error as Error).message.replace(`${path} `, '');
  }
  if (trustedKeys.length === 0) return 'cannot be checked: no trusted public keys were given';
  const signers = trustedKeys.filter((publicKey) => verifyBytes(publicKey, signed, signature)).map(keyId);
  const current = signers.find((id) => !revoked.has(id));
  if (current) return { signedBy: current };
  if (signers.length > 0) {
    const id = signers[0]!;
    return `is signed by key ${id} only, which is revoked (by ${revoked.get(id)}): ${signedName} must be signed again by a current key (build again with --previous, signing with it)`;
  }
  return `does not verify ${signedName} under any of the ${trustedKeys.length} trusted key(s) (wrong key, or ${signedName} or its signature was changed)`;
}
