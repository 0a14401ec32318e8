/**
 * Release-key revocation, as every command sees it. A key id is the first 16 hex digits of the
 * sha256 of the raw Ed25519 public key (SPEC §4). Revocations only ever make a check stricter, so
 * they may be read from any side — the policy, the tree's own root manifest, the deploy state a
 * client trusted, the command line — and are united, never subtracted: an attacker holding a
 * revoked key gains nothing by leaving the revocation out of a tree they sign.
 */
import { createPublicKey, verify } from 'node:crypto';
import { parseSignatureFile } from '../core/signing/signature.js';
import { publicKeyToPem } from '../core/signing/keys.js';

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

/**
 * Whether a signature a build would carry over may stay: it verifies under one of `current` (the
 * keys of keys/ and the signing key, less every revoked one). Otherwise the build signs the same
 * bytes again with its key, which is how a rotation replaces a revoked key's signatures.
 */
export function keepsSignature(current: readonly Uint8Array[]): SignatureKeeper {
  // A build asks this of every kept manifest, so it goes through OpenSSL (node:crypto), some fifty
  // times faster than the pure-JS verifier, and as strict: a kept signature it accepted that the
  // strict check refused would fail verify loudly, never pass silently.
  const keys = current.map((key) => createPublicKey(publicKeyToPem(key)));
  const keeps = (signed: Uint8Array, signatureFile: Uint8Array): boolean => {
    let signature: Uint8Array;
    try {
      signature = parseSignatureFile(signatureFile);
    } catch {
      return false;
    }
    return keys.some((key) => verify(null, signed, key, signature));
  };
  return Object.assign(keeps, { publicKeys: [...current] });
}

/**
 * The predicate `keepsSignature` makes, with the keys it was made of: a function cannot cross to a
 * worker thread, its keys can, and the worker makes the same predicate of them again.
 */
export type SignatureKeeper = ((signed: Uint8Array, signatureFile: Uint8Array) => boolean) & { readonly publicKeys: readonly Uint8Array[] };
