import { resolve } from 'node:path';
import { readNamedFile } from '../core/regular-file.js';
import { UsageError } from '../core/errors.js';
import type { CommitSigner } from '../core/signing/openpgp.js';
import type { CliIo } from './io.js';

/**
 * The OpenPGP key that signs the deploy commit: `--commit-signing-key FILE`, else
 * `SLIPWAY_COMMIT_SIGNING_KEY_FILE`, else `SLIPWAY_COMMIT_SIGNING_KEY` (the armored text).
 * None of them: the commit is not signed. The key's text never reaches a message.
 */
export async function commitSigner(options: { commitSigningKey?: string }, io: CliIo): Promise<CommitSigner | undefined> {
  if (options.commitSigningKey) return readCommitSigningKey(readKeyFile(options.commitSigningKey, io, '--commit-signing-key'), `--commit-signing-key ${options.commitSigningKey}`);
  const file = io.env.SLIPWAY_COMMIT_SIGNING_KEY_FILE;
  const text = io.env.SLIPWAY_COMMIT_SIGNING_KEY;
  if (file && text) throw new UsageError('SLIPWAY_COMMIT_SIGNING_KEY_FILE and SLIPWAY_COMMIT_SIGNING_KEY are both set: set one (or pass --commit-signing-key FILE)');
  if (file) return readCommitSigningKey(readKeyFile(file, io, 'SLIPWAY_COMMIT_SIGNING_KEY_FILE'), `SLIPWAY_COMMIT_SIGNING_KEY_FILE ${file}`);
  if (text) return readCommitSigningKey(text, 'SLIPWAY_COMMIT_SIGNING_KEY');
  return undefined;
}

/** OpenPGP is loaded only when there is a key to read: a publish that signs no commit never needs it. */
async function readCommitSigningKey(text: string, label: string): Promise<CommitSigner> {
  const openpgp = await import('../core/signing/openpgp.js');
  return openpgp.readCommitSigningKey(text, label);
}

function readKeyFile(path: string, io: CliIo, what: string): string {
  // An armored Ed25519 secret key is under a kilobyte; a keyring with many keys stays far below this.
  return readNamedFile(resolve(io.cwd, path), `the commit signing key ${path} (${what})`, 256 * 1024);
}
