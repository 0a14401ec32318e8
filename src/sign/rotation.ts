/**
 * Key rotation at build time: which release keys the attestation policy revokes, which signatures
 * a build may carry over, and whether the key it signs with may sign at all.
 */
import type { Diagnostic } from '../core/diagnostics.js';
import { keyId, parsePublicKeyPem, publicKeyOf } from '../core/signing/keys.js';
import { finding, type Project } from '../model/index.js';
import { parseReleaseIndex, type PreviousReleaseIndex } from './release-index.js';
import { KEY_ID, keepsSignature, sortedKeyIds, type SignatureKeeper } from './revocation.js';

const POLICY = 'policies/attestation-policy.yaml';

/** One `revokedKeys` entry of the attestation policy, with its index there (to point findings at it). */
export interface PolicyRevocation {
  keyId: string;
  reason?: string;
  index: number;
}

/**
 * The well-formed `revokedKeys` entries of the attestation policy, read from the file as written
 * (a malformed id is the schema's `invalid-value` finding, and revokes nothing).
 */
export function policyRevocations(project: Pick<Project, 'policies'>): PolicyRevocation[] {
  const data = project.policies.sources.attestation?.source.data as { revokedKeys?: unknown } | undefined;
  const entries = Array.isArray(data?.revokedKeys) ? (data!.revokedKeys as unknown[]) : [];
  return entries.flatMap((entry, index) => {
    const { keyId: id, reason } = (typeof entry === 'object' && entry !== null ? entry : {}) as { keyId?: unknown; reason?: unknown };
    if (typeof id !== 'string' || !KEY_ID.test(id)) return [];
    return [{ keyId: id, index, ...(typeof reason === 'string' ? { reason } : {}) }];
  });
}

export interface SigningTrust {
  /** Every revoked key id, sorted: the policy's and the deploy repository's (a revocation is never undone). */
  revokedKeys: string[];
  /** Whether a signature the build carries over may stay (see `keepsSignature`). */
  keepSignature: SignatureKeeper;
  /** `revoked-signing-key` (error) and `revocation-kept` (warning). */
  diagnostics: Diagnostic[];
}

/**
 * What a build needs to rotate keys. Revoked are the policy's keys and those the root manifest of
 * `--previous` already revokes: a policy that forgets one does not bring the leaked key back. A
 * carried-over signature stays only under a key of keys/ (or the build's own key) that is not
 * revoked; any other is signed again. Signing with a revoked key is a user error.
 */
export function signingTrust(project: Project, previousRoot: PreviousReleaseIndex | undefined, seed: Uint8Array | undefined): SigningTrust {
  const policy = policyRevocations(project);
  const entity = project.policies.sources.attestation;
  const fromPolicy = new Set(policy.map((entry) => entry.keyId));
  const fromRepository = previousRevocations(previousRoot).filter((id) => !fromPolicy.has(id));
  const revoked = new Set([...fromPolicy, ...fromRepository]);
  const at = (index?: number) => (entity ? { file: entity, path: index === undefined ? (fromPolicy.size > 0 ? ['revokedKeys'] : []) : ['revokedKeys', index, 'keyId'] } : undefined);
  const located = (code: string, message: string, severity: 'error' | 'warning', index?: number): Diagnostic => {
    const where = at(index);
    if (where) return finding(where.file, where.path, code, message, { severity });
    return { severity, code, file: POLICY, line: 1, column: 1, message };
  };

  const diagnostics: Diagnostic[] = [];
  if (fromRepository.length > 0) {
    const ids = fromRepository.join(', ');
    diagnostics.push(located('revocation-kept', `the deploy repository's release-index.json revokes key ${ids}, which revokedKeys does not list; it stays revoked (a revoked key is treated as leaked for good): add it to revokedKeys`, 'warning'));
  }
  const current = project.trustedKeys.map((key) => parsePublicKeyPem(key.pem, key.path));
  if (seed) {
    const signing = publicKeyOf(seed);
    const id = keyId(signing);
    if (revoked.has(id)) {
      const entry = policy.find((candidate) => candidate.keyId === id);
      const why = entry ? `policies/attestation-policy.yaml revokes it${entry.reason ? ` (${entry.reason})` : ''}` : "the deploy repository's release-index.json revokes it";
      diagnostics.push(located('revoked-signing-key', `the signing key ${id} is revoked: ${why}; sign with a current key (make one with \`slipway keygen --out DIR\`, put its .pub.pem in keys/) and build again with --previous to have it sign everything again`, 'error', entry?.index));
    }
    current.push(signing);
  }
  return { revokedKeys: sortedKeyIds(revoked), keepSignature: keepsSignature(current.filter((key) => !revoked.has(keyId(key)))), diagnostics };
}

/** The revocations the deploy repository's root manifest records; a damaged one is reported where it is read. */
function previousRevocations(previousRoot: PreviousReleaseIndex | undefined): string[] {
  if (!previousRoot) return [];
  try {
    return parseReleaseIndex(previousRoot.manifest).revokedKeys ?? [];
  } catch {
    return [];
  }
}
