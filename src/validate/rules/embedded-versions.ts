import { composeStoreProblem } from '../../../generators/compose/stores.js';
import { embeddedChartProblem } from '../../../generators/kubernetes/embedded.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { type Entity, type ServiceInput, finding } from '../../model/index.js';
import type { Rule } from './rule.js';

/**
 * A resource run beside the services (not managed) needs an image or chart Slipway has pinned for
 * its version. Reported where the version is declared, before any generator runs.
 */
export const embeddedVersionsRule: Rule = {
  name: 'embedded-versions',
  codes: ['unsupported-version'],
  check({ project, resolved, blocked, purpose }) {
    const out: Diagnostic[] = [];
    const seen = new Set<string>();
    for (const model of resolved.values()) {
      if (blocked.has(model.name)) continue;
      for (const resource of model.resources) {
        if (resource.managed) continue;
        const problem = model.runtime === 'compose' ? composeStoreProblem(resource) : model.runtime === 'kubernetes' ? embeddedChartProblem(resource) : undefined;
        if (!problem) continue;
        const at = declaration(project.services.get(resource.usedBy[0]!)!, resource.name);
        const key = `${at.entity.source.path}:${problem}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(finding(at.entity, at.path, 'unsupported-version', `${problem} (needed by "${model.name}", where "${resource.name}" is not managed); use a supported version, or set resources.${resource.name}.managed: true in that environment`, { severity: purpose === 'build' ? 'error' : 'warning' }));
      }
    }
    return out;
  },
};

function declaration(service: Entity<ServiceInput>, resource: string): { entity: Entity<unknown>; path: Array<string | number> } {
  const index = (service.value.dependencies?.resources ?? []).findIndex((r) => r.name === resource && r.version !== undefined);
  return { entity: service, path: index >= 0 ? ['dependencies', 'resources', index, 'version'] : ['dependencies', 'resources'] };
}
