/**
 * Ed25519 release-signing keys in the standard encodings, so stock OpenSSL reads what Slipway
 * writes and Slipway reads what OpenSSL writes:
 *
 * - private key: PKCS#8 (RFC 5958 / RFC 8410) in a `PRIVATE KEY` PEM block, byte for byte what
 *   `openssl genpkey -algorithm ed25519` writes: DER `302e020100300506032b657004220420` + the
 *   32-byte seed. Only this layout is read: the RFC 8410 "v2" layout that also carries the
 *   public key is refused, as OpenSSL 3.0 refuses it, so every key Slipway takes works with
 *   stock OpenSSL too.
 * - public key: SubjectPublicKeyInfo in a `PUBLIC KEY` PEM block: DER
 *   `302a300506032b6570032100` + the 32-byte key.
 *
 * Errors are UserErrors that say what the file is and what to do; they never contain any part of
 * the key.
 */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { UserError } from '../errors.js';
import { createPublicKey } from 'node:crypto';
import { ed } from './ed.js';
import { privateKeyObject } from './signature.js';
import { encodePem, hexToBytes, pemBlocks, startsWith } from './pem.js';

const PKCS8_V1_PREFIX = hexToBytes('302e020100300506032b657004220420');
/** RFC 5958 OneAsymmetricKey v2 (version 1) with an Ed25519 algorithm identifier. */
const PKCS8_V2_START = hexToBytes('020101300506032b6570');
const SPKI_PREFIX = hexToBytes('302a300506032b6570032100');

/** DER encodings of algorithm OIDs, to name the algorithm of a key that is not Ed25519. */
const OTHER_ALGORITHMS: Array<[string, Uint8Array]> = [
  ['Ed448', hexToBytes('06032b6571')],
  ['X25519', hexToBytes('06032b656e')],
  ['X448', hexToBytes('06032b656f')],
  ['RSA', hexToBytes('06092a864886f70d010101')],
  ['RSA-PSS', hexToBytes('06092a864886f70d01010a')],
  ['EC (ECDSA)', hexToBytes('06072a8648ce3d0201')],
  ['DSA', hexToBytes('06072a8648ce380401')],
];
const ED25519_OID = hexToBytes('06032b6570');

const HOW_TO_MAKE = 'make one with `slipway keygen --out DIR` or `openssl genpkey -algorithm ed25519`';

/** The algorithm named in the first bytes of a PKCS#8 or SPKI structure, if it is a known one. */
function algorithmOf(der: Uint8Array): string | undefined {
  const head = der.subarray(0, 28);
  if (indexOf(head, ED25519_OID) >= 0) return 'Ed25519';
  for (const [name, oid] of OTHER_ALGORITHMS) if (indexOf(head, oid) >= 0) return name;
  return undefined;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * The 32-byte Ed25519 seed of a PKCS#8 PEM private key. `what` names the key in messages
 * (e.g. the file it came from).
 */
export function parsePrivateKeyPem(text: string, what = 'the signing key'): Uint8Array {
  const blocks = pemBlocks(text);
  const privateBlocks = blocks.filter((b) => b.label === 'PRIVATE KEY');
  if (privateBlocks.length === 0) {
    const labels = new Set(blocks.map((b) => b.label));
    if (labels.has('ENCRYPTED PRIVATE KEY')) {
      throw new UserError(
        `${what} is encrypted with a passphrase; Slipway needs an unencrypted PKCS#8 key ` +
          '(decrypt it with `openssl pkey -in KEY -out PLAIN-KEY`, and keep the result secret)',
      );
    }
    if (labels.has('OPENSSH PRIVATE KEY')) {
      throw new UserError(`${what} is an OpenSSH private key, not a PKCS#8 Ed25519 key; ${HOW_TO_MAKE}`);
    }
    for (const legacy of ['RSA', 'EC', 'DSA']) {
      if (labels.has(`${legacy} PRIVATE KEY`)) {
        throw new UserError(`${what} is a ${legacy} private key; release signing needs an Ed25519 key: ${HOW_TO_MAKE}`);
      }
    }
    if (labels.has('PUBLIC KEY')) {
      throw new UserError(`${what} is a public key; signing needs the private key (PKCS#8 PEM, "BEGIN PRIVATE KEY")`);
    }
    throw new UserError(`${what} is not a PEM private key (no "BEGIN PRIVATE KEY" block found); ${HOW_TO_MAKE}`);
  }
  if (privateBlocks.length > 1) {
    throw new UserError(`${what} holds ${privateBlocks.length} private keys; give exactly one`);
  }
  const der = privateBlocks[0]!.der;
  if (der === null) throw new UserError(`${what} is damaged: its PEM body is not valid base64`);

  if (der.length === PKCS8_V1_PREFIX.length + 32 && startsWith(der, PKCS8_V1_PREFIX)) return der.slice(PKCS8_V1_PREFIX.length);
  if (indexOf(der.subarray(0, 16), PKCS8_V2_START) >= 0) {
    throw new UserError(
      `${what} is an Ed25519 key in the PKCS#8 v2 layout (with attributes or an embedded public key), ` +
        'which OpenSSL 3.0 cannot read either; use the plain PKCS#8 layout that `openssl genpkey -algorithm ed25519` writes',
    );
  }
  const algorithm = algorithmOf(der);
  if (algorithm !== undefined && algorithm !== 'Ed25519') {
    throw new UserError(`${what} is an ${algorithm} key; release signing needs an Ed25519 key: ${HOW_TO_MAKE}`);
  }
  throw new UserError(`${what} is not an Ed25519 PKCS#8 private key in a layout Slipway reads; ${HOW_TO_MAKE}`);
}

/** The raw 32-byte Ed25519 public key of an SPKI PEM public key. */
export function parsePublicKeyPem(text: string, what = 'the public key'): Uint8Array {
  const blocks = pemBlocks(text);
  const publicBlocks = blocks.filter((b) => b.label === 'PUBLIC KEY');
  if (publicBlocks.length === 0) {
    if (blocks.some((b) => b.label.endsWith('PRIVATE KEY'))) {
      throw new UserError(
        `${what} is a PRIVATE key; a trusted key file must hold only the public key ` +
          '(`openssl pkey -in KEY -pubout`). Treat that private key as exposed if this file was shared.',
      );
    }
    if (blocks.some((b) => b.label === 'CERTIFICATE')) {
      throw new UserError(`${what} is a certificate; Slipway needs the bare SPKI public key ("BEGIN PUBLIC KEY")`);
    }
    throw new UserError(`${what} is not a PEM public key (no "BEGIN PUBLIC KEY" block found)`);
  }
  if (publicBlocks.length > 1) {
    throw new UserError(`${what} holds ${publicBlocks.length} public keys; put each key in its own file`);
  }
  const der = publicBlocks[0]!.der;
  if (der === null) throw new UserError(`${what} is damaged: its PEM body is not valid base64`);
  if (der.length !== SPKI_PREFIX.length + 32 || !startsWith(der, SPKI_PREFIX)) {
    const algorithm = algorithmOf(der);
    if (algorithm !== undefined && algorithm !== 'Ed25519') {
      throw new UserError(`${what} is an ${algorithm} key; release signing uses Ed25519 keys`);
    }
    throw new UserError(`${what} is not an Ed25519 SPKI public key`);
  }
  const pub = der.slice(SPKI_PREFIX.length);
  try {
    ed.Point.fromBytes(pub, false);
  } catch {
    throw new UserError(`${what} is not a valid Ed25519 public key (not a point of the curve)`);
  }
  return pub;
}

function requireLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new TypeError(`${what} must be ${length} bytes`);
  }
}

/** A PEM block whose DER is a fixed Ed25519 prefix followed by the 32 key bytes. */
function prefixedKeyPem(label: string, prefix: Uint8Array, key: Uint8Array): string {
  const der = new Uint8Array(prefix.length + key.length);
  der.set(prefix, 0);
  der.set(key, prefix.length);
  return encodePem(label, der);
}

/** PKCS#8 PEM of a 32-byte seed, byte-identical to `openssl genpkey -algorithm ed25519` output. */
export function privateKeyToPem(seed: Uint8Array): string {
  requireLength(seed, 32, 'an Ed25519 seed');
  return prefixedKeyPem('PRIVATE KEY', PKCS8_V1_PREFIX, seed);
}

/** SPKI PEM of a raw 32-byte public key, byte-identical to `openssl pkey -pubout` output. */
export function publicKeyToPem(pub: Uint8Array): string {
  requireLength(pub, 32, 'an Ed25519 public key');
  return prefixedKeyPem('PUBLIC KEY', SPKI_PREFIX, pub);
}

/** The raw public key of a seed. */
export function publicKeyOf(seed: Uint8Array): Uint8Array {
  requireLength(seed, 32, 'an Ed25519 seed');
  const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

/** Key id: the first 16 hex digits of sha256 of the raw 32-byte public key. */
export function keyId(pub: Uint8Array): string {
  requireLength(pub, 32, 'an Ed25519 public key');
  return createHash('sha256').update(pub).digest('hex').slice(0, 16);
}

export interface GeneratedSigningKey {
  privatePem: string;
  publicPem: string;
  keyId: string;
}

/** A new signing key pair. `randomBytes` is injectable for tests; it defaults to node:crypto's CSPRNG. */
export function generateSigningKey(randomBytes: (n: number) => Uint8Array = nodeRandomBytes): GeneratedSigningKey {
  const seed = new Uint8Array(randomBytes(32));
  requireLength(seed, 32, 'randomBytes(32)');
  const pub = publicKeyOf(seed);
  return { privatePem: privateKeyToPem(seed), publicPem: publicKeyToPem(pub), keyId: keyId(pub) };
}
