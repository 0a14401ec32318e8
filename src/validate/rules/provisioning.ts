import type { Diagnostic } from '../../core/diagnostics.js';
import { finding, validEntities } from '../../model/index.js';
import type { Rule } from './rule.js';

/** The provisioning policy lists, per mode and provider, the runtimes that may be provisioned at all. */
export const provisioningRule: Rule = {
  name: 'provisioning',
  codes: ['provisioning-not-allowed'],
  check({ project }) {
    const allowed = project.policies.provisioning.allowed;
    if (!allowed) return [];
    const out: Diagnostic[] = [];
    for (const environment of validEntities(project.environments)) {
      const { mode, provider, runtime } = environment.value;
      const runtimes = allowed[mode]?.[provider] ?? [];
      if (runtimes.includes(runtime)) continue;
      const options = Object.entries(allowed[mode] ?? {})
        .map(([p, rs]) => `${p}: ${(rs ?? []).join(', ')}`)
        .join('; ');
      const path = allowed[mode]?.[provider] ? ['runtime'] : ['provider'];
      out.push(finding(environment, path, 'provisioning-not-allowed', `the provisioning policy does not allow ${mode} on ${provider} with ${runtime}; allowed for ${mode}: ${options || 'nothing'} (policies/provisioning-policy.yaml)`));
    }
    return out;
  },
};
