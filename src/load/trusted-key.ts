import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { UserError } from '../core/errors.js';
import { keyId, parsePublicKeyPem } from '../core/signing/keys.js';
import type { TrustedKey } from '../model/index.js';

export function readTrustedKey(root: string, path: string): { key?: TrustedKey; diagnostics: Diagnostic[] } {
  const fail = (message: string) => ({ diagnostics: [{ severity: 'error' as const, code: 'invalid-key', file: path, line: 1, column: 1, message }] });
  if (statSync(join(root, path)).size > 64 * 1024) return fail('a public key file is a few hundred bytes; this one is far larger');
  const pem = readFileSync(join(root, path), 'utf8');
  try {
    return { key: { path, pem, keyId: keyId(parsePublicKeyPem(pem, path)) }, diagnostics: [] };
  } catch (error) {
    if (error instanceof UserError) return fail(`${error.message}; keys/*.pub.pem must hold one Ed25519 public key in SPKI PEM (openssl pkey -pubout)`);
    throw error;
  }
}
