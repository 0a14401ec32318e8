import type { Diagnostic } from '../../core/diagnostics.js';
import { finding, findingAt, type Entity, type EnvironmentInput, type ResolvedEnvironment } from '../../model/index.js';
import { placementOf } from '../../resolve/bindings.js';
import type { Rule } from './rule.js';

/**
 * Every resource a service depends on must reach it on its target, and every connection variable
 * must have one meaning. A gap is a located finding here, before anything renders, never a
 * service that starts without its database.
 */
export const wiringRule: Rule = {
  name: 'wiring',
  codes: ['unwired-resource', 'connection-name-clash', 'unwired-infra-secret'],
  check({ project, resolved, blocked }) {
    const out: Diagnostic[] = [];
    for (const model of resolved.values()) {
      if (blocked.has(model.name)) continue;
      const environment = project.environments.get(model.name)!;
      out.push(...unwired(model, environment), ...clashes(model), ...unwiredInfraSecrets(model, environment));
    }
    return out;
  },
};

function unwired(model: ResolvedEnvironment, environment: Entity<EnvironmentInput>): Diagnostic[] {
  return model.resources
    .filter((resource) => placementOf(resource, model.provider, model.runtime) === 'unwired')
    .map((resource) => {
      const why = resource.managed
        ? `a managed ${resource.type} cannot be wired into ${model.runtime} on ${model.provider} yet: nothing would carry its address to the services`
        : `${model.runtime} cannot run ${resource.type} beside the services`;
      const fix = resource.managed ? `set resources.${resource.name}.managed: false to run it beside the services` : `set resources.${resource.name}.managed: true`;
      const declared = environment.value.resources?.[resource.name]?.managed !== undefined;
      return finding(environment, declared ? ['resources', resource.name, 'managed'] : ['runtime'], 'unwired-resource', `"${resource.name}" (used by ${resource.usedBy.join(', ')}): ${why}; ${fix}`);
    });
}

/** Two resources giving one service the same variable name: one of the declarations needs `env.prefix` or `env.names`. */
function clashes(model: ResolvedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const service of model.services) {
    const seen = new Map<string, string>();
    for (const variable of service.connections) {
      const other = seen.get(variable.name);
      if (other !== undefined && other !== variable.resource) {
        const resource = model.resources.find((candidate) => candidate.name === variable.resource)!;
        out.push(
          findingAt(
            { source: service.origin.source, path: declarationPath(service.origin.source.data, variable.resource) },
            'connection-name-clash',
            `"${service.name}" would receive ${variable.name} from both "${other}" and "${variable.resource}" (${resource.type}); give one of them its own names, e.g. "env": {"prefix": "${variable.resource.toUpperCase().replace(/-/g, '_')}_"}`,
          ),
        );
        break;
      }
      seen.set(variable.name, variable.resource);
    }
  }
  return out;
}

function declarationPath(data: unknown, resource: string): Array<string | number> {
  const list = (data as { dependencies?: { resources?: Array<{ name?: string }> } }).dependencies?.resources ?? [];
  const index = list.findIndex((entry) => entry?.name === resource);
  return index >= 0 ? ['dependencies', 'resources', index, 'name'] : ['dependencies', 'resources'];
}

/**
 * On Kubernetes a service's `from: infra` secret arrives in the Secret `infra-secrets`, which only
 * some reference kinds can fill there: Secrets Manager ARNs on AWS (External Secrets), `vault:` on
 * any cluster (External Secrets, with the environment's `vault`), `do:` on DigitalOcean (Terraform).
 * An `env:` reference names a host's variable, which a pod does not have.
 */
function unwiredInfraSecrets(model: ResolvedEnvironment, environment: Entity<EnvironmentInput>): Diagnostic[] {
  if (model.runtime !== 'kubernetes') return [];
  return model.secrets.infra.flatMap((secret) => {
    const reference = secret.reference;
    if (reference === undefined) return [];
    const reachable =
      reference.startsWith('vault:') ||
      (reference.startsWith('arn:aws:secretsmanager:') && model.provider === 'aws') ||
      (reference.startsWith('do:') && model.provider === 'digitalocean');
    if (reachable) return [];
    const fix = model.provider === 'aws' ? 'an arn:aws:secretsmanager: or vault: reference' : model.provider === 'digitalocean' ? 'a do: or vault: reference' : 'a vault: reference';
    return [
      finding(environment, ['infraSecrets', secret.name], 'unwired-infra-secret', `${secret.name} (read by ${secret.services.join(', ')}) is ${JSON.stringify(reference)}, which nothing can bring into a ${model.provider} Kubernetes cluster; use ${fix}`),
    ];
  });
}
