import { compareText } from '../core/diagnostics.js';
import type { EnvironmentInput, EnvironmentSecrets, GeneratedSecret, InfraSecret, Project, ServiceInput } from '../model/index.js';

/** Default and floor for generated lengths when the secrets policy sets none. */
const defaultSecretLength = 32;

/** The secrets of one environment, from the services it deploys (by name) and what they declare. */
export function resolveSecrets(project: Project, environmentName: string, input: EnvironmentInput, services: ReadonlyMap<string, ServiceInput>): EnvironmentSecrets {
  const minimum = project.policies.secrets.generated?.minLength ?? defaultSecretLength;
  const generated = new Map<string, GeneratedSecret>();
  const infra = new Map<string, InfraSecret>();
  for (const [serviceName, service] of services) {
    for (const [name, spec] of Object.entries(service.secrets ?? {})) {
      if ('from' in spec) {
        const entry = infra.get(name) ?? { name, reference: input.infraSecrets?.[name], services: [] };
        entry.services.push(serviceName);
        infra.set(name, entry);
        continue;
      }
      const length = Math.max(spec.length ?? minimum, minimum);
      const entry = generated.get(name);
      if (entry) {
        entry.services.push(serviceName);
        entry.length = Math.max(entry.length, length);
      } else {
        generated.set(name, { name, generate: spec.generate, length, services: [serviceName] });
      }
    }
  }
  const recipients = [...new Set([...(input.secrets?.recipients ?? []), ...(project.policies.secrets.recipients ?? [])])].sort(compareText);
  const byName = <T extends { name: string }>(map: Map<string, T>) => [...map.values()].sort((a, b) => compareText(a.name, b.name));
  const file = project.secretsFiles.get(environmentName);
  return {
    generated: byName(generated),
    infra: byName(infra),
    recipients,
    file,
    dotenv: file?.dotenv,
    infraReferences: Object.fromEntries(Object.entries(input.infraSecrets ?? {}).sort(([a], [b]) => compareText(a, b))),
  };
}

