/**
 * Release-key revocation, as every command sees it. A key id is the first 16 hex digits of the
 * sha256 of the raw Ed25519 public key (SPEC §4). Revocations only ever make a check stricter, so
 * they may be read from any side — the policy, the tree's own root manifest, the deploy state a
 * client trusted, the command line — and are united, never subtracted: an attacker holding a
 * revoked key gains nothing by leaving the revocation out of a tree they sign.
 */
import { parseSignatureFile, verifyBytes } from '../core/signing/signature.js';
import { keyId } from '../core/signing/keys.js';

export const KEY_ID = /^[0-9a-f]{16}$/;

/** Revoked key id → who revoked it, worded to follow "revoked by" in a message. */
export type Revocations = ReadonlyMap<string, string>;

/** `into` with every id of `ids` added under `source`, unless an earlier source already revokes it. */
export function addRevocations(into: Map<string, string>, ids: Iterable<string>, source: string): Map<string, string> {
  for (const id of ids) if (!into.has(id)) into.set(id, source);
  return into;
}

/** Key ids sorted and each once: the form release-index.json records them in. */
export function sortedKeyIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}

/** The ids of the keys among `keys` under which `signatureFile` verifies `signed` (none when it is damaged). */
export function signersOf(signed: Uint8Array, signatureFile: Uint8Array, keys: readonly Uint8Array[]): string[] {
  let signature: Uint8Array;
  try {
    signature = parseSignatureFile(signatureFile);
  } catch {
    return [];
  }
  return keys.filter((key) => verifyBytes(key, signed, signature)).map(keyId);
}

/**
 * Whether a signature a build would carry over may stay: it verifies under one of `current` (the
 * keys of keys/ and the signing key, less every revoked one). Otherwise the build signs the same
 * bytes again with its key, which is how a rotation replaces a revoked key's signatures.
 */
export function keepsSignature(current: readonly Uint8Array[]): (signed: Uint8Array, signatureFile: Uint8Array) => boolean {
  return (signed, signatureFile) => signersOf(signed, signatureFile, current).length > 0;
}
