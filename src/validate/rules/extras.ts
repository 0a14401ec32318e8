import type { Diagnostic } from '../../core/diagnostics.js';
import { findingAt, type ResolvedEnvironment } from '../../model/index.js';
import type { Rule } from './rule.js';

/**
 * Extras a target has no place for: Kubernetes patches and manifests on a Compose or ECS target, a
 * Compose override on a Kubernetes or ECS target. A warning at the entry, since an overlay shared by
 * targets of several runtimes legitimately carries both kinds.
 */
export const extrasRule: Rule = {
  name: 'extras',
  codes: ['extras-not-applied'],
  check: ({ resolved }) => [...resolved.values()].flatMap(unusedExtras),
};

function unusedExtras(environment: ResolvedEnvironment): Diagnostic[] {
  const { patches, manifests, composeOverride } = environment.extras;
  const warn = (origin: Parameters<typeof findingAt>[0], what: string) =>
    findingAt(origin, 'extras-not-applied', `${what} has no effect on "${environment.name}", a ${environment.runtime} target; it is not rendered`, { severity: 'warning' });
  const findings: Diagnostic[] = [];
  if (environment.runtime !== 'kubernetes') {
    for (const patch of patches) findings.push(warn(patch.origin, 'a Kubernetes patch'));
    for (const manifest of manifests) findings.push(warn(manifest.origin, 'a Kubernetes manifest'));
  }
  if (environment.runtime !== 'compose' && composeOverride) findings.push(warn(composeOverride.origin, 'a Compose override'));
  return findings;
}
