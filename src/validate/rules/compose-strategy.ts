import type { Diagnostic } from '../../core/diagnostics.js';
import { finding } from '../../model/index.js';
import type { Rule } from './rule.js';

/**
 * Compose cannot run two colours of a service side by side behind one name. The self-hosted update
 * script's health-gated rollback stands in for blue-green there; say so instead of silently
 * deploying rolling.
 */
export const composeStrategyRule: Rule = {
  name: 'compose-strategy',
  codes: ['compose-blue-green'],
  check({ project, resolved, blocked }) {
    const out: Diagnostic[] = [];
    for (const model of resolved.values()) {
      if (model.runtime !== 'compose' || blocked.has(model.name)) continue;
      const blueGreen = model.services.filter((service) => service.strategy === 'blue-green').map((service) => service.name);
      if (blueGreen.length === 0) continue;
      out.push(
        finding(project.environments.get(model.name)!, ['runtime'], 'compose-blue-green', `${blueGreen.join(', ')} ${blueGreen.length === 1 ? 'asks' : 'ask'} for blue-green deploys, which Compose cannot run; "${model.name}" updates them in place, and the update script's health checks roll back to the previous bundle on failure`, { severity: 'warning' }),
      );
    }
    return out;
  },
};
