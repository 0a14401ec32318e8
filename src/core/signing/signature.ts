/**
 * Ed25519 (RFC 8032, pure — no prehash) signatures over the exact bytes of release.json, and the
 * release.json.sig file: the base64 of the 64-byte signature, then "\n". That is what
 * `base64 -d release.json.sig > s && openssl pkeyutl -verify -rawin … -sigfile s` expects.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import { decodeBase64Strict } from './pem.js';

/**
 * Signing and verifying go through Node's own OpenSSL — the same Ed25519 the README's
 * `openssl pkeyutl` check runs, native and many times faster than a JavaScript one over a fleet's
 * thousands of manifests. Key objects are made once per key.
 */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

function cachedKey(cache: Map<string, KeyObject>, raw: Uint8Array, make: (der: Buffer) => KeyObject, prefix: Buffer): KeyObject {
  const id = Buffer.from(raw).toString('hex');
  let key = cache.get(id);
  if (!key) {
    key = make(Buffer.concat([prefix, raw]));
    cache.set(id, key);
  }
  return key;
}

/** A Node key object of a 32-byte seed (PKCS#8). */
export function privateKeyObject(seed: Uint8Array): KeyObject {
  return cachedKey(privateKeys, seed, (der) => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), PKCS8_PREFIX);
}

/** The 64-byte Ed25519 signature of `bytes` under the 32-byte seed. */
export function signBytes(seed: Uint8Array, bytes: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new TypeError('an Ed25519 seed must be 32 bytes');
  return new Uint8Array(sign(null, bytes, privateKeyObject(seed)));
}

/** The content of release.json.sig: base64 of the signature, then a newline. */
export function signatureFileText(sig: Uint8Array): string {
  if (!(sig instanceof Uint8Array) || sig.length !== 64) throw new TypeError('an Ed25519 signature must be 64 bytes');
  return `${Buffer.from(sig).toString('base64')}\n`;
}

/**
 * The 64 signature bytes of a release.json.sig. Accepts the base64 with or without its final
 * newline (and a CRLF, as a Windows checkout may give); anything else is an IntegrityError.
 */
export function parseSignatureFile(text: string | Uint8Array, what = 'release.json.sig'): Uint8Array {
  const str = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  const body = str.replace(/\r?\n$/, '');
  const sig = decodeBase64Strict(body);
  if (sig === null) throw new IntegrityError(`${what} is not a base64 signature followed by a newline`);
  if (sig.length !== 64) throw new IntegrityError(`${what} holds ${sig.length} bytes; an Ed25519 signature is 64`);
  return sig;
}

/**
 * Whether `sig` is a valid Ed25519 signature of `bytes` under `pub`: OpenSSL's strict RFC 8032
 * checks (a non-canonical S is refused), exactly what the README's OpenSSL command does. Never
 * throws on bad input.
 */
export function verifyBytes(pub: Uint8Array, bytes: Uint8Array, sig: Uint8Array): boolean {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return false;
  if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
  try {
    const key = cachedKey(publicKeys, pub, (der) => createPublicKey({ key: der, format: 'der', type: 'spki' }), SPKI_PREFIX);
    return verify(null, bytes, key, sig);
  } catch {
    return false;
  }
}
