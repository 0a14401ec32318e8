import { compareText } from '../../src/core/diagnostics.js';
import { BugError } from '../../src/core/errors.js';
import type { ConnectionVariable, ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import { embeddedSource, type EnvSource } from '../kubernetes/embedded.js';
import { generatedSecretName, infraSecretName } from './secret-names.js';

/** One variable of a container read from a Secret of the namespace (the chart's `secretEnv`). */
export interface SecretEnvEntry {
  name: string;
  secretName: string;
  key: string;
}

/**
 * Where one variable of the connection contract comes from on Kubernetes (SPEC §8): a literal as a
 * value; a generated secret from `generated-secrets`; an infrastructure output from the Secret
 * `<resource>-connection` that the resource's delivery fills (an ExternalSecret of k8s/ on AWS,
 * Terraform on DigitalOcean), one key per field; an embedded store's address as a value and its own
 * credential from its chart's Secret.
 */
function connectionSource(environment: ResolvedEnvironment, variable: ConnectionVariable): EnvSource {
  const { source } = variable;
  switch (source.kind) {
    case 'literal':
      return { value: source.value };
    case 'generated-secret':
      return { secretName: generatedSecretName, key: source.secret };
    case 'infrastructure': {
      const resource = environment.resources.find((candidate) => candidate.name === source.resource);
      const delivery = resource?.connection.delivery;
      if (!delivery || (delivery.kind !== 'aws-secrets-manager' && delivery.kind !== 'terraform-kubernetes-secret') || !resource.connection.outputs.includes(variable.field)) {
        throw new BugError(`${environment.name}: ${variable.name} is an output of "${source.resource}" that no Secret of the namespace carries`);
      }
      return { secretName: delivery.kubernetesSecret, key: variable.field };
    }
    case 'embedded': {
      const resource = environment.resources.find((candidate) => candidate.name === source.resource);
      const found = resource && !resource.managed ? embeddedSource(resource, variable.field) : undefined;
      if (!found) throw new BugError(`${environment.name}: ${variable.name} is no address or credential of an embedded "${source.resource}"`);
      return found;
    }
  }
}

/**
 * What a service's containers receive: its own variables and the contract's literals as values;
 * its declared secrets (generated, or `from: infra`) and the contract's secret sources as Secret
 * references, sorted by name. A name both declared as the service's secret and given by the
 * contract is the connection's: one variable, from where the target delivers it.
 */
export function serviceEnvironment(environment: ResolvedEnvironment, service: ResolvedService): { env: Record<string, string>; secretEnv: SecretEnvEntry[] } {
  const generated = new Set(environment.secrets.generated.map((secret) => secret.name));
  const infra = new Set(environment.secrets.infra.map((secret) => secret.name));
  const env: Record<string, string> = { ...service.env };
  const secretEnv = new Map<string, SecretEnvEntry>();
  for (const name of service.secretNames) {
    if (generated.has(name)) secretEnv.set(name, { name, secretName: generatedSecretName, key: name });
    else if (infra.has(name)) secretEnv.set(name, { name, secretName: infraSecretName, key: name });
  }
  for (const variable of service.connections) {
    const source = connectionSource(environment, variable);
    if ('value' in source) {
      env[variable.name] = source.value;
      secretEnv.delete(variable.name);
    } else {
      secretEnv.set(variable.name, { name: variable.name, secretName: source.secretName, key: source.key });
    }
  }
  return { env, secretEnv: [...secretEnv.values()].sort((a, b) => compareText(a.name, b.name)) };
}
