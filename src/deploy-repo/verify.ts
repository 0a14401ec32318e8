import { statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { parsePublicKeyPem } from '../core/signing/keys.js';
import { bytesEqual } from '../core/signing/pem.js';
import { entryKind, refusalReason } from '../core/tree.js';
import { comparePaths } from '../sign/manifest.js';
import { checkEnvironmentFolder, type TreeProblem } from './environment-check.js';
import { readDeployTree } from './read.js';

export interface VerifiedEnvironment {
  name: string;
  release: string;
  keyId: string;
}

export interface VerifyResult {
  /** The environments that passed every check. */
  environments: VerifiedEnvironment[];
  failures: TreeProblem[];
}

/**
 * `slipway verify`: every `environments/<env>/` folder of an output tree (or a deploy repository's
 * checkout) against its signed release manifest (`checkEnvironmentFolder`), every problem
 * collected. A folder that holds nothing at all is simply not there; anything in `environments/`
 * that is not a folder is a problem.
 */
export async function verifyOutputTree(outDir: string, trustedPublicKeys: readonly Uint8Array[]): Promise<VerifyResult> {
  if (!statSync(outDir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${outDir} is not a folder`);
  const result: VerifyResult = { environments: [], failures: [] };
  const environments = entryKind(join(outDir, 'environments'));
  if (environments !== 'folder') {
    const reason = environments === undefined ? 'is missing: this is not a Slipway output tree (nothing to verify)' : environments === 'file' ? 'is not a folder' : refusalReason(environments);
    result.failures.push({ file: 'environments', reason });
    return result;
  }
  const tree = readDeployTree(outDir, 'environments');

  // Entries directly in environments/ that are not folders, in the same name order as the folders.
  const strays = new Map<string, string>();
  for (const [path] of tree.files) if (/^environments\/[^/]+$/.test(path)) strays.set(path, 'is a file; environments/ holds only environment folders');
  for (const [path, kind] of tree.refused) if (/^environments\/[^/]+$/.test(path)) strays.set(path, refusalReason(kind));
  const names = [...new Set([...tree.environments.keys(), ...[...strays.keys()].map((path) => path.slice('environments/'.length))])].sort(comparePaths);
  for (const name of names) {
    const stray = strays.get(`environments/${name}`);
    if (stray) {
      result.failures.push({ file: `environments/${name}`, reason: stray });
      continue;
    }
    const check = checkEnvironmentFolder(name, tree.environments.get(name)!, { trustedKeys: trustedPublicKeys });
    result.failures.push(...check.problems);
    if (check.problems.length === 0 && check.signedBy) result.environments.push({ name, release: check.release!, keyId: check.signedBy });
  }
  return result;
}

/**
 * The trusted public keys of a folder: every `*.pub.pem` in it (not recursive), de-duplicated. The
 * keys folder is the operator's configuration, not a deploy tree: a key may be a link (as mounted
 * secrets are).
 */
export async function loadTrustedKeys(dir: string): Promise<Uint8Array[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.name.endsWith('.pub.pem') && (entry.isFile() || entry.isSymbolicLink()))
      .map((entry) => entry.name)
      .sort(comparePaths);
  } catch (error) {
    throw new UserError(`cannot read the trusted keys folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (names.length === 0) throw new UserError(`no trusted public keys (*.pub.pem) in ${dir}`);
  const keys: Uint8Array[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const publicKey = parsePublicKeyPem(await readFile(path, 'utf8'), path);
    if (!keys.some((key) => bytesEqual(key, publicKey))) keys.push(publicKey);
  }
  return keys;
}
