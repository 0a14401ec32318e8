import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { UserError } from '../core/errors.js';
import { readNamedFile } from '../core/regular-file.js';
import { parsePublicKeyPem } from '../core/signing/keys.js';
import { bytesEqual } from '../core/signing/pem.js';
import { entryKind, refusalReason } from '../core/tree.js';
import { comparePaths } from '../sign/manifest.js';
import type { TreeProblem } from './environment-check.js';
import { checkAgainst, readTrustedState } from './against.js';
import { addRevocations } from '../sign/revocation.js';
import { checkDeployTree, type VerifiedEnvironment } from './tree-check.js';
import { readDeployTree } from './read.js';
import { unmanagedFindings } from './unmanaged.js';

export interface VerifyResult {
  /** The environments that passed every check. */
  environments: VerifiedEnvironment[];
  failures: TreeProblem[];
  /** Files Slipway does not manage (CODEOWNERS, workflows, extra/ folders), left alone. */
  unmanaged: string[];
  /** One finding per hand-written file of an extra/ folder (`unmanaged-file`, `orphaned-extra`): never a failure. */
  findings: Diagnostic[];
  /** Every revoked key id the check applied. */
  revoked?: string[];
}

export interface VerifyOptions {
  /** `--against`: the deploy state the client last trusted, for rollback and freeze checks; its revocations apply too. */
  against?: { spec: string; cwd: string };
  /** `--revoked`: key ids whose signatures are refused, whatever the tree says. */
  revoked?: readonly string[];
}

/**
 * `slipway verify`: the whole tree (an output folder or a deploy repository's checkout, its `.git`
 * aside) against its signed root manifest and every environment's signed manifest
 * (`checkDeployTree`), every problem collected. Files Slipway does not manage are listed, not checked.
 */
export async function verifyOutputTree(outDir: string, trustedPublicKeys: readonly Uint8Array[], options: VerifyOptions = {}): Promise<VerifyResult> {
  if (!statSync(outDir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${outDir} is not a folder`);
  const environments = entryKind(join(outDir, 'environments'));
  if (environments !== 'folder') {
    const reason = environments === undefined ? 'is missing: this is not a Slipway output tree (nothing to verify)' : environments === 'file' ? 'is not a folder' : refusalReason(environments);
    return { environments: [], failures: [{ file: 'environments', reason }], unmanaged: [], findings: [] };
  }
  const tree = readDeployTree(outDir, 'checkout');
  // Revocations come from the trusted side first, so that messages name it: a tree cannot lift them.
  const trusted = options.against ? readTrustedState(options.against.spec, options.against.cwd) : undefined;
  const revoked = addRevocations(new Map(), options.revoked ?? [], '--revoked');
  if (trusted) addRevocations(revoked, trusted.revokedKeys, `the trusted state ${trusted.origin}`);
  const check = checkDeployTree(tree, trustedPublicKeys, revoked);
  const failures = [...check.failures];
  let verified = check.environments;
  if (trusted) {
    const rollbacks = checkAgainst(outDir, tree, trusted);
    failures.push(...rollbacks);
    const refused = new Set(rollbacks.map((problem) => problem.file));
    verified = verified.filter((environment) => !refused.has(`environments/${environment.name}/release.json`));
  }
  return { environments: verified, failures, unmanaged: check.unmanaged, findings: unmanagedFindings(check), revoked: [...check.revoked.keys()].sort() };
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
    const publicKey = parsePublicKeyPem(readNamedFile(path, `the trusted key ${path}`, 64 * 1024), path);
    if (!keys.some((key) => bytesEqual(key, publicKey))) keys.push(publicKey);
  }
  return keys;
}
