import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './tools.js';

/**
 * The stock-OpenSSL check SPEC §4 promises anyone can run on an environment folder:
 * `base64 -d release.json.sig > s && openssl pkeyutl -verify -pubin -inkey KEY -rawin -in release.json -sigfile s`.
 * The decoded signature is kept outside the tree being checked.
 */
export function opensslVerifies(environmentDir: string, publicKey: string): boolean {
  return opensslVerifiesFile(join(environmentDir, 'release.json'), publicKey);
}

/** The same check for any signed file and its `<file>.sig` (the root manifest, release-index.json). */
export function opensslVerifiesFile(file: string, publicKey: string): boolean {
  const scratch = mkdtempSync(join(tmpdir(), 'slipway-sig-'));
  try {
    writeFileSync(join(scratch, 'sig.bin'), Buffer.from(readFileSync(`${file}.sig`, 'utf8').trim(), 'base64'));
    const run = runTool('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', publicKey, '-rawin', '-in', file, '-sigfile', join(scratch, 'sig.bin')]);
    return run.status === 0 && /Signature Verified Successfully/.test(run.stdout);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
