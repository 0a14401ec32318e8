/**
 * Sign a release manifest in memory: the two files that go into an environment's folder.
 */
import { manifestBytes, type ReleaseManifest } from './manifest.js';
import { signBytes, signatureFileText } from '../core/signing/signature.js';

export interface SignedRelease {
  /** release.json: canonical JSON, no trailing newline. */
  manifest: Uint8Array;
  /** release.json.sig: base64 of the Ed25519 signature of `manifest`, then "\n". */
  signature: string;
}

export function signRelease(manifest: ReleaseManifest, seed: Uint8Array): SignedRelease {
  const bytes = manifestBytes(manifest);
  return { manifest: bytes, signature: signatureFileText(signBytes(seed, bytes)) };
}
