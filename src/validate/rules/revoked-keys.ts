import type { Diagnostic } from '../../core/diagnostics.js';
import { finding } from '../../model/index.js';
import { policyRevocations } from '../../sign/rotation.js';
import type { Rule } from './rule.js';

/**
 * `revokedKeys` of the attestation policy against keys/. A revoked id that matches no key there is
 * the normal end state of a rotation (the file was removed). A key both there and revoked is
 * harmless to verification — revocation wins — but the file invites someone to trust it again by
 * hand, and it is the sign that the rotation's last step was forgotten: a warning that names it.
 * An id that is not 16 lowercase hex digits is the schema's `invalid-value` error.
 */
export const revokedKeysRule: Rule = {
  name: 'revoked-keys',
  codes: ['revoked-key-present'],
  check({ project }) {
    const entity = project.policies.sources.attestation;
    if (!entity) return [];
    const out: Diagnostic[] = [];
    for (const entry of policyRevocations(project)) {
      const files = project.trustedKeys.filter((key) => key.keyId === entry.keyId).map((key) => key.path);
      if (files.length === 0) continue;
      out.push(
        finding(entity, ['revokedKeys', entry.index, 'keyId'], 'revoked-key-present', `key ${entry.keyId} is revoked, but ${files.join(' and ')} still hold${files.length === 1 ? 's' : ''} it; remove ${files.length === 1 ? 'that file' : 'those files'} (its signatures are refused either way, and bundles no longer carry it)`, {
          severity: 'warning',
        }),
      );
    }
    return out;
  },
};
