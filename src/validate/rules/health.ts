import type { Diagnostic } from '../../core/diagnostics.js';
import { finding, validEntities } from '../../model/index.js';
import type { Rule } from './rule.js';

/** A service that listens must say how to tell it is ready, or rollouts route traffic to it blind. */
export const healthCheckRule: Rule = {
  name: 'health-checks',
  codes: ['missing-health-check'],
  check({ project }) {
    const out: Diagnostic[] = [];
    for (const service of validEntities(project.services)) {
      if (service.pristine && (service.value.ports ?? []).length > 0 && !service.value.health) {
        out.push(finding(service, ['ports'], 'missing-health-check', `service "${service.name}" listens on ports but has no health check; add "health": {"path": "/healthz", "port": "<port name>"} or {"command": [...]}`, { key: true }));
      }
    }
    return out;
  },
};
