/**
 * OpenPGP keys that sign deploy commits, through openpgp.js (no cryptography of Slipway's own).
 *
 * Keys are Ed25519 in the "legacy" EdDSA encoding (algorithm 22, a v4 key), not RFC 9580's new
 * Ed25519 (algorithm 27): GnuPG 2.2 and 2.4 (Debian's), GitHub, Flux's go-crypto and Argo CD's
 * GnuPG all read the legacy form, and only some read the new one. A commit key only signs, so it
 * has no encryption subkey.
 *
 * Errors are UserErrors that say what the input is and what to do; they never contain any part
 * of a key, and openpgp.js's own messages (which could) are not passed on.
 */
import * as openpgp from 'openpgp';
import { UserError } from '../errors.js';

/**
 * Ed25519 signatures are deterministic (RFC 8032). openpgp.js adds a random salt notation to each
 * signature by default; without it the same commit signed twice is the same object, so a publish
 * is reproducible like the rest of the output.
 */
const config = { nonDeterministicSignaturesViaNotation: false } as const;

export interface CommitKeyPair {
  /** The armored secret key (`-----BEGIN PGP PRIVATE KEY BLOCK-----`), unprotected, for CI secrets. */
  secretKeyArmored: string;
  /** The armored public key (`-----BEGIN PGP PUBLIC KEY BLOCK-----`). */
  publicKeyArmored: string;
  /** The long key id (16 hex digits, upper case) as Argo CD and `gpg --list-keys --keyid-format long` show it. */
  keyId: string;
  /** The v4 fingerprint (40 hex digits, upper case). */
  fingerprint: string;
}

/** The `Name <email>` user id of a commit key, as `slipway keygen --commit-user-id` takes it. */
export function parseUserId(text: string): { name: string; email: string } {
  const match = /^([^<>\n\r\0]*?)[ \t]*<([^<>\s\0]+@[^<>\s\0]+)>$/.exec(text.trim());
  if (!match || match[1]!.trim() === '') throw new UserError(`${JSON.stringify(text)} is not a user id: expected "Name <email>", e.g. "Slipway deploy <deploy@example.com>"`);
  return { name: match[1]!.trim(), email: match[2]! };
}

/** A new Ed25519 commit-signing key, created at `created` (so the same clock gives the same dates). */
export async function generateCommitKey(userId: { name: string; email: string }, created: Date): Promise<CommitKeyPair> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [userId],
    date: created,
    subkeys: [],
    format: 'armored',
    config,
  });
  const key = await openpgp.readKey({ armoredKey: publicKey });
  // openpgp.js ends the armor without a line break; files end with one.
  const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  return { secretKeyArmored: line(privateKey), publicKeyArmored: line(publicKey), keyId: key.getKeyID().toHex().toUpperCase(), fingerprint: key.getFingerprint().toUpperCase() };
}

/** Signs the exact bytes of a commit object (without its `gpgsig` header). */
export interface CommitSigner {
  keyId: string;
  fingerprint: string;
  /** The user ids of the key, `Name <email>`, for messages. */
  userIds: string[];
  /**
   * An ASCII-armored detached signature over `payload`, dated `at` — or the key's creation time
   * when `at` is earlier (a source commit older than the key): a signature may not predate its key.
   */
  sign(payload: Uint8Array, at: Date): Promise<string>;
}

const HOW_TO_MAKE = 'make one with `slipway keygen --out DIR` (slipway-commit.key.asc)';

/** Reads an armored OpenPGP secret key; `source` names where it came from in messages. */
export async function readCommitSigningKey(armored: string, source: string): Promise<CommitSigner> {
  if (/-----BEGIN PGP PUBLIC KEY BLOCK-----/.test(armored) && !/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(armored)) {
    throw new UserError(`${source} holds an OpenPGP public key; commits are signed with the secret key (slipway-commit.key.asc), the public one goes into keys/`);
  }
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: armored });
  } catch {
    throw new UserError(`${source} is not an armored OpenPGP secret key (-----BEGIN PGP PRIVATE KEY BLOCK-----); ${HOW_TO_MAKE}`);
  }
  if (!key.isDecrypted()) {
    throw new UserError(`${source} is protected by a passphrase, which publish cannot enter: keep an unprotected copy in a CI secret (gpg --export-secret-keys after removing the passphrase), or ${HOW_TO_MAKE}`);
  }
  const userIds = key.getUserIDs();
  const created = key.getCreationTime();
  return {
    keyId: key.getKeyID().toHex().toUpperCase(),
    fingerprint: key.getFingerprint().toUpperCase(),
    userIds,
    async sign(payload, at) {
      const date = at.getTime() < created.getTime() ? created : at;
      try {
        await key.getSigningKey(undefined, date);
      } catch {
        throw new UserError(`${source} (key ${key.getKeyID().toHex().toUpperCase()}) cannot sign at ${date.toISOString()}: it is revoked, expired or has no signing-capable key; ${HOW_TO_MAKE}`);
      }
      try {
        const message = await openpgp.createMessage({ binary: payload });
        return await openpgp.sign({ message, signingKeys: key, detached: true, date, format: 'armored', config });
      } catch {
        throw new UserError(`${source} (key ${key.getKeyID().toHex().toUpperCase()}) could not sign the commit: use an Ed25519 key as \`slipway keygen\` makes it`);
      }
    },
  };
}
