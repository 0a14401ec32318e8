import { UsageError, UserError } from '../core/errors.js';
import { readOpenPgpPublicKey } from '../core/signing/openpgp-public-key.js';
import type { CommitSigner } from '../core/signing/openpgp.js';
import type { BuiltOutput } from './output.js';

const KEY_FILE = /^environments\/[^/]+\/k8s\/commit-keys\/[^/]+\.asc$/;

/**
 * Refuses a publish that the clusters would refuse: an output whose reconcilers verify deploy
 * commits (k8s/commit-keys/ of some environment) published unsigned, or signed by a key none of
 * them trusts. Flux would stop at the unsigned head and Argo CD would refuse to sync it, so the
 * mistake is caught here, before the branch moves, rather than as a stalled cluster.
 */
export function checkCommitSigner(output: BuiltOutput, signer: CommitSigner | undefined): void {
  const trusted = new Map<string, string>();
  for (const [path, bytes] of output.files) {
    if (!KEY_FILE.test(path)) continue;
    try {
      trusted.set(readOpenPgpPublicKey(new TextDecoder().decode(bytes)).fingerprint, path);
    } catch {
      // A key the build refused never reaches the output; what cannot be read here trusts nothing.
    }
  }
  if (trusted.size === 0) return;
  const keys = [...trusted.keys()].map((fingerprint) => fingerprint.slice(-16)).sort().join(', ');
  if (!signer) {
    throw new UsageError(
      `this output has Flux or Argo CD verify deploy commits (OpenPGP key ${keys}), and no commit signing key was given: pass --commit-signing-key FILE or set SLIPWAY_COMMIT_SIGNING_KEY (slipway-commit.key.asc); an unsigned commit would be refused by the clusters`,
    );
  }
  if (!trusted.has(signer.fingerprint)) {
    throw new UserError(`the commit signing key ${signer.keyId} is not one the output's reconcilers trust (${keys}): sign with one of them, or add its public key to keys/ of the source and build again`);
  }
}
