import { randomBytes as nodeRandomBytes } from 'node:crypto';
import type { GeneratedSecret } from '../model/index.js';

export type RandomBytes = (count: number) => Uint8Array;

/** Safe in URLs, shells, dotenv files and YAML plain scalars alike. */
const urlSafe = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * Letters and digits that cannot be misread (no I, O, l, 0, 1) and RFC 3986's unreserved symbols:
 * nothing to quote in dotenv, shell or YAML, and nothing to percent-encode where Kubernetes splices
 * a password into a URL form (`$(DB_PASSWORD)`), which it cannot encode.
 */
const passwordAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.~';

/** A fresh value for one generated secret. The only randomness in Slipway lives here and in encryption. */
export function generateSecretValue(secret: Pick<GeneratedSecret, 'generate' | 'length'>, random: RandomBytes = nodeRandomBytes): string {
  switch (secret.generate) {
    case 'laravel-app-key':
      // What `php artisan key:generate` writes for AES-256-CBC: 32 random bytes, base64, prefixed.
      return `base64:${Buffer.from(random(32)).toString('base64')}`;
    case 'random':
      return pick(urlSafe, secret.length, random);
    case 'password':
      return pick(passwordAlphabet, secret.length, random);
  }
}

/** Uniform characters by rejection sampling: no modulo bias toward the start of the alphabet. */
function pick(alphabet: string, length: number, random: RandomBytes): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}
