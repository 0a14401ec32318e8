/**
 * The age side of a sops file (age/keysource.go): the raw 32-byte data key is age-encrypted to
 * each recipient separately and stored ASCII-armored under `sops.age[]` as `{recipient, enc}`.
 * Encryption and decryption go through the `age-encryption` package.
 */
import { Decrypter, Encrypter, armor, identityToRecipient } from 'age-encryption';
import { IntegrityError, UserError } from '../errors.js';

export interface AgeEntry {
  recipient: string;
  enc: string;
}

/** An X25519 age public key: "age1" + 58 bech32 characters (no "1" in the data part). */
const X25519_RECIPIENT_RE = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;

/**
 * Trimmed, de-duplicated (first occurrence kept) X25519 recipients. sops 3.9 treats any other
 * "age1…" string with a second "1" as a plugin recipient, which Flux cannot use, so only plain
 * X25519 keys are accepted.
 */
export function normaliseRecipients(recipients: readonly string[]): string[] {
  const out: string[] = [];
  for (const [i, raw] of recipients.entries()) {
    const r = String(raw).trim();
    // Echo only what looks like a public key: a secret key pasted here must not reach a log.
    const shown = /^age1[0-9a-z]{0,100}$/.test(r) ? JSON.stringify(r) : `recipient #${i + 1}`;
    if (r.toUpperCase().startsWith('AGE-SECRET-KEY-')) {
      throw new UserError(`${shown} is an age secret key; a recipient is its public key (age1…)`);
    }
    if (!X25519_RECIPIENT_RE.test(r)) {
      throw new UserError(`${shown} is not an age X25519 public key (age1 followed by 58 bech32 characters)`);
    }
    try {
      new Encrypter().addRecipient(r); // checks the bech32 checksum and length
    } catch {
      throw new UserError(`${shown} is not a valid age public key (bad checksum)`);
    }
    if (!out.includes(r)) out.push(r);
  }
  if (out.length === 0) throw new UserError('a SOPS file needs at least one age recipient');
  return out;
}

/**
 * The identities in the given strings. Each string may be a whole key file (as SOPS_AGE_KEY or
 * SOPS_AGE_KEY_FILE hold): blank lines and "#" comments are skipped. Identities are secrets and
 * never appear in a message.
 */
function parseIdentities(identities: readonly string[]): string[] {
  const out: string[] = [];
  for (const block of identities) {
    for (const line of String(block).split(/\r?\n/)) {
      const id = line.trim();
      if (id === '' || id.startsWith('#')) continue;
      if (!id.startsWith('AGE-SECRET-KEY-')) {
        throw new UserError(`age identity #${out.length + 1} is not an age secret key (AGE-SECRET-KEY-1…)`);
      }
      out.push(id);
    }
  }
  if (out.length === 0) throw new UserError('no age identity was given to decrypt the SOPS file');
  return out;
}

/** age-encrypt the data key to one recipient, armored, as sops stores it in `enc`. */
export async function wrapDataKey(dataKey: Uint8Array, recipient: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return armor.encode(await e.encrypt(dataKey));
}

/**
 * Recover the data key with any of the identities. No matching identity is a UserError naming
 * the file's (public) recipients; an identity that matches a recipient whose block does not
 * decrypt to a 32-byte key is an IntegrityError.
 */
export async function unwrapDataKey(entries: readonly AgeEntry[], identityStrings: readonly string[]): Promise<Buffer> {
  const identities = parseIdentities(identityStrings);
  const decrypter = new Decrypter();
  const own = new Set<string>();
  for (const [i, id] of identities.entries()) {
    try {
      decrypter.addIdentity(id);
      own.add(await identityToRecipient(id));
    } catch {
      throw new UserError(`age identity #${i + 1} is malformed (expected AGE-SECRET-KEY-1…)`);
    }
  }
  for (const entry of entries) {
    let key: Uint8Array | null = null;
    try {
      key = await decrypter.decrypt(armor.decode(entry.enc));
    } catch {
      if (own.has(entry.recipient)) {
        throw new IntegrityError(`the age-encrypted data key for ${entry.recipient} is corrupt`);
      }
      continue;
    }
    if (key.length !== 32) {
      throw new IntegrityError(`the data key for ${entry.recipient} is ${key.length} bytes; sops data keys are 32`);
    }
    return Buffer.from(key);
  }
  const who =
    identities.length === 1 ? 'the age identity given cannot' : `none of the ${identities.length} age identities given can`;
  throw new UserError(`${who} decrypt this SOPS file; it is encrypted to ${entries.map((e) => e.recipient).join(', ')}`);
}
