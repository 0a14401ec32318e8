import type { ConnectionVariable, PlanConnection, ResolvedEnvironment, ResolvedResource } from '../../src/model/index.js';

/**
 * Every variable each service receives to reach its resources, and where its value comes from on
 * this target, in words. A secret's source is named, never its value.
 */
export function planConnections(environment: ResolvedEnvironment): PlanConnection[] {
  return environment.services.flatMap((service) =>
    service.connections.map((variable) => ({
      service: service.name,
      variable: variable.name,
      resource: variable.resource,
      secret: variable.secret,
      from: sourceText(environment, variable, environment.resources.find((resource) => resource.name === variable.resource)!),
    })),
  );
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
