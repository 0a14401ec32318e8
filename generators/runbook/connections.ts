import { compareText } from '../../src/core/diagnostics.js';
import type { ConnectionVariable, PlanConnection, ResolvedEnvironment, ResolvedResource } from '../../src/model/index.js';

/**
 * Every variable the services receive to reach their resources, and where its value comes from on
 * this target, in words: one entry per variable and source, naming the services that receive it so
 * (a dozen services sharing a database read one set of names from one place). Sorted by variable,
 * then resource and source. A secret's source is named, never its value.
 */
export function planConnections(environment: ResolvedEnvironment): PlanConnection[] {
  const grouped = new Map<string, PlanConnection>();
  for (const service of environment.services) {
    for (const variable of service.connections) {
      const resource = environment.resources.find((candidate) => candidate.name === variable.resource)!;
      const from = sourceText(environment, variable, resource);
      // No input value holds a control character, so NUL separates the parts unambiguously.
      const key = `${variable.name}\u0000${variable.resource}\u0000${variable.secret}\u0000${from}`;
      const entry = grouped.get(key);
      if (entry) entry.services.push(service.name);
      else grouped.set(key, { variable: variable.name, services: [service.name], resource: variable.resource, secret: variable.secret, from });
    }
  }
  return [...grouped.values()]
    .map((entry) => ({ ...entry, services: [...new Set(entry.services)].sort(compareText) }))
    .sort((a, b) => compareText(a.variable, b.variable) || compareText(a.resource, b.resource) || compareText(a.from, b.from) || Number(a.secret) - Number(b.secret));
}

function sourceText(environment: ResolvedEnvironment, variable: ConnectionVariable, resource: ResolvedResource): string {
  const { source } = variable;
  switch (source.kind) {
    case 'literal':
      return `the value ${source.value}`;
    case 'workload-identity':
      return environment.runtime === 'ecs'
        ? `set empty: the task role reaches ${resource.name}, and AWS SDKs take it from their default credential chain`
        : `set empty: the service account's own role reaches ${resource.name} (EKS Pod Identity), and AWS SDKs take it from their default credential chain`;
    case 'composed': {
      const url = source.parts.map((part) => ('text' in part ? part.text : `<${part.variable}>`)).join('');
      return environment.runtime === 'compose'
        ? `made by install.sh from the values above, the secret part percent-encoded: ${url}`
        : `made by Kubernetes from the variables above when the container starts: ${url}`;
    }
    case 'generated-secret':
      return `the generated secret ${source.secret} (secrets/secrets.sops.yaml)`;
    case 'embedded':
      if (!variable.secret) return `the embedded ${resource.name}, ${environment.runtime === 'compose' ? 'on the Compose network' : 'in the namespace'}`;
      return environment.runtime === 'compose' ? `a credential install.sh generates on the host for the embedded ${resource.name}` : `the embedded ${resource.name} chart's own Secret`;
    case 'infrastructure': {
      const delivery = resource.connection.delivery;
      const output = `Terraform's ${variable.field} of ${resource.name}`;
      if (delivery.kind === 'aws-secrets-manager') return `${output}, in AWS Secrets Manager ${delivery.secretName}, materialised by the ExternalSecret ${delivery.kubernetesSecret}`;
      if (delivery.kind === 'terraform-kubernetes-secret') return `${output}, in the Secret ${delivery.kubernetesSecret} Terraform writes`;
      return `${output}, referenced in the task definition`;
    }
  }
}
