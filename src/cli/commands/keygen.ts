import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode, UserError, type ExitCodeValue } from '../../core/errors.js';
import { parseUserId } from '../../core/signing/openpgp.js';
import {
  AGE_IDENTITY_FILE,
  COMMIT_KEY_FILE,
  COMMIT_PUBLIC_KEY_FILE,
  DEFAULT_COMMIT_USER_ID,
  SIGNING_KEY_FILE,
  SIGNING_PUBLIC_KEY_FILE,
  writeCommitKeyPair,
  writeKeyPair,
} from '../../sign/index.js';
import { buildTime } from '../clock.js';
import type { CliIo } from '../io.js';

export interface KeygenCommandOptions {
  out: string;
  keepExisting?: boolean;
  /** `Name <email>` of the commit-signing key. */
  commitUserId?: string;
}

/**
 * An Ed25519 release-signing key pair (PKCS#8 / SPKI PEM, as OpenSSL writes them), an age identity
 * for secrets, and an Ed25519 OpenPGP key that signs deploy commits. With `--keep-existing`, a set
 * that is already complete (the release set, the commit pair) is kept and only a missing one made.
 */
export async function runKeygen(options: KeygenCommandOptions, io: CliIo): Promise<ExitCodeValue> {
  const dir = resolve(io.cwd, options.out);
  const releaseFiles = [SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE, AGE_IDENTITY_FILE];
  const commitFiles = [COMMIT_KEY_FILE, COMMIT_PUBLIC_KEY_FILE];
  const complete = (files: string[]) => files.every((file) => existsSync(join(dir, file)));
  const keepRelease = options.keepExisting === true && complete(releaseFiles);
  const keepCommit = options.keepExisting === true && complete(commitFiles);
  if (keepRelease && keepCommit) {
    io.stderr(`keys already in ${dir}; kept\n`);
    return ExitCode.ok;
  }
  const userId = parseUserId(options.commitUserId ?? DEFAULT_COMMIT_USER_ID);
  const toWrite = [...(keepRelease ? [] : releaseFiles), ...(keepCommit ? [] : commitFiles)];
  const existing = toWrite.filter((file) => existsSync(join(dir, file)));
  if (existing.length > 0) throw new UserError(`refusing to overwrite existing key file(s): ${existing.map((file) => join(dir, file)).join(', ')}; move them away or choose another --out folder`);

  const lines: string[] = [];
  if (!keepRelease) {
    const written = await writeKeyPair(dir);
    lines.push(`signing key id ${written.keyId}`, `age recipient ${written.ageRecipient}`);
  }
  if (!keepCommit) {
    const commit = await writeCommitKeyPair(dir, userId, buildTime(io.env));
    lines.push(`commit key id ${commit.keyId}`, `commit key fingerprint ${commit.fingerprint}`);
  }
  io.stdout(`${lines.join('\n')}\n`);
  io.stderr(
    `wrote ${toWrite.map((f) => join(dir, f)).join(', ')}\n` +
      (keepRelease ? '' : `Trust the release key by copying ${SIGNING_PUBLIC_KEY_FILE} into keys/. `) +
      (keepCommit ? '' : `Have clusters verify deploy commits by copying ${COMMIT_PUBLIC_KEY_FILE} into keys/, and add it to GitHub as a GPG key. `) +
      'Keep the private keys and the age identity out of git (store them as CI secrets).\n',
  );
  return ExitCode.ok;
}
