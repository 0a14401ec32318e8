import type { Diagnostic } from '../../core/diagnostics.js';
import { type Entity, type EnvironmentInput, type Project, type ResolvedService, type Role, finding } from '../../model/index.js';
import type { Rule } from './rule.js';

const digestPinned = /@sha256:[0-9a-f]{64}$/;
const trafficRoles: ReadonlySet<Role> = new Set(['api', 'frontend', 'websocket', 'proxy']);
const falseValues = new Set(['false', '0', 'off', 'no', '']);

/** What production demands: debug off, images pinned by digest, enough replicas to survive a node. */
export const productionRule: Rule = {
  name: 'production',
  codes: ['debug-in-production', 'unpinned-image', 'replica-count'],
  check({ project, resolved }) {
    const out: Diagnostic[] = [];
    for (const model of resolved.values()) {
      const environment = project.environments.get(model.name)!;
      const release = project.releases.get(environment.value.release);
      const gateway = model.infrastructure.aiGateway;
      if (model.tier === 'production' && gateway && !digestPinned.test(gateway.image)) {
        const path = gateway.imageDeclared ? ['enterprise', 'aiGateway', 'image'] : ['enterprise', 'aiGateway'];
        out.push(finding(environment, path, 'unpinned-image', `the AI gateway image of production environment "${model.name}" is not pinned by digest; set enterprise.aiGateway.image to <repository>@sha256:<64 hex digits>`));
      }
      for (const service of model.services) {
        if (model.tier === 'production') {
          const debug = service.env.APP_DEBUG;
          if (debug !== undefined && !falseValues.has(debug.trim().toLowerCase())) {
            const [entity, path] = envOrigin(project, environment, service, 'APP_DEBUG');
            out.push(finding(entity, path, 'debug-in-production', `APP_DEBUG is "${debug}" for service "${service.name}" in production environment "${model.name}"; set it to "false"`));
          }
          if (release && service.image !== undefined && !digestPinned.test(service.image)) {
            out.push(finding(release, ['images', service.name], 'unpinned-image', `image of "${service.name}" is not pinned by digest, and production environment "${model.name}" deploys release ${environment.value.release}; use <repository>@sha256:<64 hex digits>`));
          }
        }
        const servesTraffic = trafficRoles.has(service.role) && model.tier === 'production' && (model.mode === 'saas' || model.mode === 'white-label');
        // A replica count read from a file whose scaling the schema rejected is only a default, not the user's.
        const trustworthy = environment.pristine && project.services.get(service.name)!.pristine;
        if (servesTraffic && trustworthy && service.scaling.min < 2) {
          const [entity, path] = scalingOrigin(project, environment, service, 'min');
          out.push(finding(entity, path, 'replica-count', `service "${service.name}" (${service.role}) runs ${service.scaling.min} replica in ${model.mode} production environment "${model.name}"; set scaling.min to at least 2`));
        }
        if (service.role === 'scheduler' && trustworthy && (service.scaling.min !== 1 || service.scaling.max !== 1)) {
          const key = service.scaling.min !== 1 ? 'min' : 'max';
          const [entity, path] = scalingOrigin(project, environment, service, key);
          out.push(finding(entity, path, 'replica-count', `scheduler "${service.name}" must run exactly one replica (it has min ${service.scaling.min}, max ${service.scaling.max}) in "${model.name}"; set scaling.min and scaling.max to 1`));
        }
      }
    }
    return out;
  },
};

type Origin = [Entity<unknown>, Array<string | number>];

/** Where an effective env value came from: the environment's override, or the service's own env. */
function envOrigin(project: Project, environment: Entity<EnvironmentInput>, service: ResolvedService, name: string): Origin {
  if (environment.value.overrides?.services?.[service.name]?.env?.[name] !== undefined) return [environment, ['overrides', 'services', service.name, 'env', name]];
  return [project.services.get(service.name)!, ['env', name]];
}

/** Where an effective replica bound came from; the service's role when nobody set one (the default applies). */
function scalingOrigin(project: Project, environment: Entity<EnvironmentInput>, service: ResolvedService, key: 'min' | 'max'): Origin {
  if (environment.value.overrides?.services?.[service.name]?.scaling?.[key] !== undefined) return [environment, ['overrides', 'services', service.name, 'scaling', key]];
  const entity = project.services.get(service.name)!;
  if (entity.value.scaling?.[key] !== undefined) return [entity, ['scaling', key]];
  if (entity.value.scaling) return [entity, ['scaling']];
  return [entity, ['role']];
}
