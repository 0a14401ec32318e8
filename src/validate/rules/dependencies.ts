import { compareText, type Diagnostic } from '../../core/diagnostics.js';
import { type Entity, type ResourceType, type ServiceInput, finding, validEntities } from '../../model/index.js';
import type { Rule } from './rule.js';

/** The service graph must be a DAG, and a shared resource must mean the same thing to every service. */
export const dependenciesRule: Rule = {
  name: 'dependencies',
  codes: ['dependency-cycle', 'resource-conflict'],
  check({ project }) {
    const out: Diagnostic[] = [];
    const services = validEntities(project.services);
    for (const cycle of findCycles(services)) {
      const first = project.services.get(cycle[0]!)!;
      const next = cycle[1]!;
      const index = (first.value.dependencies?.services ?? []).indexOf(next);
      out.push(finding(first, ['dependencies', 'services', index], 'dependency-cycle', `services depend on each other in a cycle: ${cycle.join(' → ')}; remove one of these dependencies`));
    }

    const firstDeclaration = new Map<string, { type: ResourceType; service: string }>();
    // One shared resource runs one version: picking the higher one silently would upgrade a service
    // past the version it was written for, so two versions are a conflict like two types.
    const firstVersion = new Map<string, { version: string; service: string }>();
    for (const service of services) {
      (service.value.dependencies?.resources ?? []).forEach((resource, index) => {
        const seen = firstDeclaration.get(resource.name);
        if (!seen) {
          firstDeclaration.set(resource.name, { type: resource.type, service: service.name });
        } else if (seen.type !== resource.type) {
          out.push(finding(service, ['dependencies', 'resources', index, 'type'], 'resource-conflict', `resource "${resource.name}" is a ${resource.type} here but a ${seen.type} in service "${seen.service}"; resources with one name are one shared resource — rename one of them`));
          return;
        }
        if (resource.version === undefined) return;
        const version = firstVersion.get(resource.name);
        if (!version) firstVersion.set(resource.name, { version: resource.version, service: service.name });
        else if (version.version !== resource.version) {
          out.push(
            finding(service, ['dependencies', 'resources', index, 'version'], 'resource-conflict', `resource "${resource.name}" is ${resource.type} ${resource.version} here but ${resource.type} ${version.version} in service "${version.service}"; one shared resource runs one version — declare the same version in both, or leave it out here`),
          );
        }
      });
    }
    return out;
  },
};

/** Each elementary cycle once, rotated to start at its smallest name, e.g. [api, worker, api]. */
function findCycles(services: Entity<ServiceInput>[]): string[][] {
  const edges = new Map(services.map((s) => [s.name, [...(s.value.dependencies?.services ?? [])].sort(compareText)]));
  const cycles = new Map<string, string[]>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string) => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === 'visiting') {
        const loop = stack.slice(stack.indexOf(next));
        const start = loop.indexOf([...loop].sort(compareText)[0]!);
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        cycles.set(rotated.join('>'), [...rotated, rotated[0]!]);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of [...edges.keys()].sort(compareText)) if (!state.has(name)) visit(name);
  return [...cycles.values()];
}
