import { resolve } from 'node:path';
import { readNamedFile } from '../core/regular-file.js';
import { UsageError } from '../core/errors.js';
// From the key module itself: sign/index.js also loads the key generators (OpenPGP, age), which a build never needs.
import { parsePrivateKeyPem } from '../core/signing/keys.js';
import type { CliIo } from './io.js';

/**
 * The Ed25519 seed to sign with: `--signing-key FILE`, else `SLIPWAY_SIGNING_KEY` (the PEM text).
 * `--no-sign` is an explicit choice for pull-request builds; having neither is a usage error, so a
 * production build can never go out unsigned by accident.
 */
export function signingSeed(options: { signingKey?: string; sign?: boolean }, io: CliIo): Uint8Array | undefined {
  if (options.sign === false) {
    if (options.signingKey) throw new UsageError('--signing-key and --no-sign contradict each other; pass one');
    return undefined;
  }
  const seed = optionalSigningSeed(options, io);
  if (seed) return seed;
  throw new UsageError('build needs a signing key: pass --signing-key FILE or set SLIPWAY_SIGNING_KEY (the PEM text), or --no-sign for an unsigned pull-request build (make a key with `slipway keygen --out DIR`)');
}

/** The Ed25519 seed of `--signing-key FILE` or `SLIPWAY_SIGNING_KEY`, or undefined when neither is given. */
export function optionalSigningSeed(options: { signingKey?: string }, io: CliIo): Uint8Array | undefined {
  if (options.signingKey) {
    const text = readNamedFile(resolve(io.cwd, options.signingKey), `the signing key ${options.signingKey}`, 64 * 1024);
    return parsePrivateKeyPem(text, options.signingKey);
  }
  const fromEnvironment = io.env.SLIPWAY_SIGNING_KEY;
  return fromEnvironment ? parsePrivateKeyPem(fromEnvironment, 'SLIPWAY_SIGNING_KEY') : undefined;
}
