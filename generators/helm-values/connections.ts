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

/** A variable whose value Kubernetes makes from the container's other variables (`$(NAME)`), after them. */
export interface ComposedEnvEntry {
  name: string;
  value: string;
}

/**
 * Where one variable of the connection contract comes from on Kubernetes (SPEC §8): a literal as a
 * value; a generated secret from `generated-secrets`; an infrastructure output from the Secret
 * `<resource>-connection` that the resource's delivery fills (an ExternalSecret of k8s/ on AWS,
 * Terraform on DigitalOcean), one key per field; an embedded store's address as a value and its own
 * credential from its chart's Secret. A URL form of an embedded store is composed apart.
 */
function connectionSource(environment: ResolvedEnvironment, variable: ConnectionVariable): EnvSource {
  const { source } = variable;
  switch (source.kind) {
    case 'literal':
      return { value: source.value };
    case 'workload-identity':
      // Set, and empty: the SDK's default chain then takes the pod's own role (EKS Pod Identity).
      return { value: '' };
    case 'composed':
      throw new BugError(`${environment.name}: ${variable.name} is composed from other variables, not read from one source`);
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
export function serviceEnvironment(
  environment: ResolvedEnvironment,
  service: ResolvedService,
): { env: Record<string, string>; secretEnv: SecretEnvEntry[]; composedEnv: ComposedEnvEntry[] } {
  const generated = new Set(environment.secrets.generated.map((secret) => secret.name));
  const infra = new Set(environment.secrets.infra.map((secret) => secret.name));
  const env: Record<string, string> = { ...service.env };
  const secretEnv = new Map<string, SecretEnvEntry>();
  for (const name of service.secretNames) {
    if (generated.has(name)) secretEnv.set(name, { name, secretName: generatedSecretName, key: name });
    else if (infra.has(name)) secretEnv.set(name, { name, secretName: infraSecretName, key: name });
  }
  const composed: ConnectionVariable[] = [];
  for (const variable of service.connections) {
    if (variable.source.kind === 'composed') {
      composed.push(variable);
      secretEnv.delete(variable.name);
      continue;
    }
    const source = connectionSource(environment, variable);
    if ('value' in source) {
      env[variable.name] = source.value;
      secretEnv.delete(variable.name);
    } else {
      secretEnv.set(variable.name, { name: variable.name, secretName: source.secretName, key: source.key });
    }
  }
  const composedEnv = composed.map((variable) => ({ name: variable.name, value: composedValue(environment, service, variable, env, secretEnv) }));
  return { env, secretEnv: [...secretEnv.values()].sort((a, b) => compareText(a.name, b.name)), composedEnv: composedEnv.sort((a, b) => compareText(a.name, b.name)) };
}

/**
 * A URL form as the container's own variables spell it: a part the container has as a plain value
 * goes in as it is, a part read from a Secret as `$(NAME)`, which Kubernetes expands from the
 * variables defined before it (the chart lists composed ones last). A `$` of the text is doubled so
 * Kubernetes keeps it.
 */
function composedValue(
  environment: ResolvedEnvironment,
  service: ResolvedService,
  variable: ConnectionVariable,
  env: Readonly<Record<string, string>>,
  secretEnv: ReadonlyMap<string, SecretEnvEntry>,
): string {
  if (variable.source.kind !== 'composed') throw new BugError(`${variable.name} is not composed`);
  return variable.source.parts
    .map((part) => {
      if ('text' in part) return part.text.replaceAll('$', '$$$$');
      if (secretEnv.has(part.variable)) return `$(${part.variable})`;
      const value = env[part.variable];
      if (value === undefined) throw new BugError(`${environment.name}: ${variable.name} of ${service.name} is made with ${part.variable}, which the container does not receive`);
      return value.replaceAll('$', '$$$$');
    })
    .join('');
}
