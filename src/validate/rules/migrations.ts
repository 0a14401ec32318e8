import type { Diagnostic } from '../../core/diagnostics.js';
import { finding } from '../../model/index.js';
import type { Rule } from './rule.js';

/**
 * Rolling and blue-green deploys run old and new code against one database for a while, so the
 * migration must keep the old code working. Compose targets update in maintenance mode instead.
 */
export const migrationsRule: Rule = {
  name: 'migrations',
  codes: ['incompatible-migration'],
  check({ project, resolved }) {
    const out: Diagnostic[] = [];
    for (const model of resolved.values()) {
      if (model.runtime === 'compose') continue;
      const release = project.releases.get(project.environments.get(model.name)!.value.release);
      if (!release) continue;
      for (const service of model.services) {
        const migration = model.release.migrations?.[service.name];
        if (migration && !migration.backwardCompatible) {
          out.push(finding(release, ['migrations', service.name, 'backwardCompatible'], 'incompatible-migration', `migration ${migration.version} of "${service.name}" is not backward compatible, but "${model.name}" deploys it ${service.strategy} on ${model.runtime}, where old and new versions run side by side; split it into an expand release and a later contract release`));
        }
      }
    }
    return out;
  },
};
