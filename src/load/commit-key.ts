import type { Diagnostic } from '../core/diagnostics.js';
import { readOpenPgpPublicKey } from '../core/signing/openpgp-public-key.js';
import type { CommitKey } from '../model/index.js';
import { decodeInput, readInputBytes } from './read-files.js';

/**
 * A `keys/*.asc` file: an OpenPGP public key deploy commits are signed with. Only `*.pub.asc` is
 * read: the file name becomes the key's entry in the Flux Secret (which wants `.asc` names of
 * `[-._a-zA-Z0-9]`), and any other `.asc` name here is most likely `slipway-commit.key.asc` — the
 * secret key, which must never be committed.
 */
export function readCommitKey(root: string, path: string): { key?: CommitKey; diagnostics: Diagnostic[] } {
  const fail = (message: string) => ({ diagnostics: [{ severity: 'error' as const, code: 'invalid-commit-key', file: path, line: 1, column: 1, message }] });
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!name.endsWith('.pub.asc')) return fail('keys/ holds only public keys: an OpenPGP commit key is named <name>.pub.asc (a secret key such as slipway-commit.key.asc never belongs in the source tree)');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return fail('name a commit key file with letters, digits, ".", "_" and "-" only: it becomes a key of a Kubernetes Secret');
  const read = readInputBytes(root, path, 'the commit key', 64 * 1024);
  if (read.kind === 'absent') return { diagnostics: [] };
  if (read.kind === 'refused') return { diagnostics: [read.diagnostic] };
  const decoded = decodeInput(path, read.bytes);
  if ('diagnostic' in decoded) return { diagnostics: [decoded.diagnostic] };
  const armored = decoded.text;
  try {
    const key = readOpenPgpPublicKey(armored);
    return { key: { path, armored, keyId: key.keyId, fingerprint: key.fingerprint, userIds: key.userIds }, diagnostics: [] };
  } catch (error) {
    return fail(`${(error as Error).message}; keys/*.pub.asc must hold one armored OpenPGP public key (slipway-commit.pub.asc from \`slipway keygen\`, or \`gpg --armor --export KEYID\`)`);
  }
}
