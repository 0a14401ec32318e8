/**
 * The OpenPGP key that signs deploy commits, written by `slipway keygen` beside the release key:
 *
 * - `slipway-commit.key.asc` (0600): the armored secret key, unprotected (CI passes it to
 *   `slipway publish` as SLIPWAY_COMMIT_SIGNING_KEY); never committed
 * - `slipway-commit.pub.asc` (0644): the armored public key; copy it into the source's `keys/` so
 *   Flux and Argo CD verify deploy commits, and add it to GitHub as a GPG key
 *
 * Never overwrites: if either exists, nothing is written.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { generateCommitKey } from '../core/signing/openpgp.js';
import { writeExclusive } from './keygen.js';

export const COMMIT_KEY_FILE = 'slipway-commit.key.asc';
export const COMMIT_PUBLIC_KEY_FILE = 'slipway-commit.pub.asc';
/** The user id of a commit key when keygen is given none: the identity `publish` commits as by default. */
export const DEFAULT_COMMIT_USER_ID = 'Slipway deploy <slipway@users.noreply.github.com>';

export interface CommitKeyFiles {
  keyId: string;
  fingerprint: string;
  files: { secretKey: string; publicKey: string };
}

export async function writeCommitKeyPair(dir: string, userId: { name: string; email: string }, created: Date): Promise<CommitKeyFiles> {
  const files = { secretKey: join(dir, COMMIT_KEY_FILE), publicKey: join(dir, COMMIT_PUBLIC_KEY_FILE) };
  const existing: string[] = [];
  for (const path of Object.values(files)) if (await stat(path).then(() => true, () => false)) existing.push(path);
  if (existing.length > 0) throw new UserError(`refusing to overwrite existing key file(s): ${existing.join(', ')}; move them away or choose another --out folder`);
  await mkdir(dir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new UserError(`cannot create ${dir}: ${e.code ?? e.message}`);
  });
  const key = await generateCommitKey(userId, created);
  const written: string[] = [];
  try {
    await writeExclusive(files.secretKey, key.secretKeyArmored, 0o600);
    written.push(files.secretKey);
    await writeExclusive(files.publicKey, key.publicKeyArmored, 0o644);
    written.push(files.publicKey);
  } catch (e) {
    await Promise.all(written.map((p) => rm(p, { force: true })));
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') throw new UserError(`refusing to overwrite ${err.path ?? 'an existing key file'}`);
    throw new UserError(`cannot write the key files in ${dir}: ${err.code ?? err.message}`);
  }
  return { keyId: key.keyId, fingerprint: key.fingerprint, files };
}
