import type { Diagnostic } from '../core/diagnostics.js';
import { UserError } from '../core/errors.js';
import { keyId, parsePublicKeyPem } from '../core/signing/keys.js';
import { decodeInput, readInputBytes } from './read-files.js';
import type { TrustedKey } from '../model/index.js';

/** A public key file is a few hundred bytes. */
const maxKeyBytes = 64 * 1024;

export function readTrustedKey(root: string, path: string): { key?: TrustedKey; diagnostics: Diagnostic[] } {
  const fail = (message: string) => ({ diagnostics: [{ severity: 'error' as const, code: 'invalid-key', file: path, line: 1, column: 1, message }] });
  const read = readInputBytes(root, path, 'the trusted key', maxKeyBytes);
  if (read.kind === 'absent') return { diagnostics: [] };
  if (read.kind === 'refused') return { diagnostics: [read.diagnostic] };
  const decoded = decodeInput(path, read.bytes);
  if ('diagnostic' in decoded) return { diagnostics: [decoded.diagnostic] };
  try {
    return { key: { path, pem: decoded.text, keyId: keyId(parsePublicKeyPem(decoded.text, path)) }, diagnostics: [] };
  } catch (error) {
    if (error instanceof UserError) return fail(`${error.message}; keys/*.pub.pem must hold one Ed25519 public key in SPKI PEM (openssl pkey -pubout)`);
    throw error;
  }
}
