import type { Diagnostic } from '../../src/core/diagnostics.js';
import { findingAt, type ResolvedEnvironment } from '../../src/model/index.js';
import { composeYamlBytes, escapeInterpolation } from './compose-file.js';
import type { ComposePlan } from './plan.js';

/**
 * The environment's Compose override, written as `docker-compose.override.yml` beside the generated
 * file: the name Compose users know, merged by Compose itself (`--file docker-compose.yml --file
 * docker-compose.override.yml`, as the bundle's scripts and the runbook run it), so its semantics
 * are Compose's own rather than an imitation. Its values are literal like the generated file's:
 * `$` reaches the container as written, never the host's environment.
 */
export const composeOverrideFile = 'docker-compose.override.yml';

export function composeOverrideBytes(environment: ResolvedEnvironment): Uint8Array | undefined {
  const override = environment.extras.composeOverride;
  return override ? composeYamlBytes(escapeInterpolation(override.content)) : undefined;
}

/** Top-level keys of a Compose file (the Compose Specification); `x-` extensions are free. */
const topLevelKeys = new Set(['services', 'volumes', 'networks', 'configs', 'secrets', 'include', 'name', 'version', 'models']);

/**
 * What Compose would refuse in the override, at its line: a top-level key it does not know, a
 * service the generated file does not have (Compose would start it without an image), or a
 * service that is not a mapping.
 */
export function composeOverrideFindings(environment: ResolvedEnvironment, plan: ComposePlan): Diagnostic[] {
  const override = environment.extras.composeOverride;
  if (!override) return [];
  const at = (path: Array<string | number>, message: string, key = false) => findingAt({ source: override.file, path }, 'invalid-compose-override', message, { key });
  const findings: Diagnostic[] = [];
  for (const key of Object.keys(override.content)) {
    if (!topLevelKeys.has(key) && !key.startsWith('x-')) findings.push(at([key], `"${key}" is no top-level key of a Compose file (services, volumes, networks, configs, secrets, or x-…)`, true));
  }
  if (override.content.name !== undefined) findings.push(at(['name'], 'the project name is the environment\'s; remove "name" from the override', true));
  const services = override.content.services;
  if (services === undefined) return findings;
  if (services === null || typeof services !== 'object' || Array.isArray(services)) return [...findings, at(['services'], 'services is a mapping of service names')];
  const known = new Set(plan.services.map((service) => service.name));
  for (const [name, service] of Object.entries(services as Record<string, unknown>)) {
    if (service === null || typeof service !== 'object' || Array.isArray(service)) {
      findings.push(at(['services', name], `service "${name}" is a mapping of Compose keys`));
    } else if (!known.has(name) && !('image' in service)) {
      findings.push(at(['services', name], `"${name}" is no service of the generated Compose file (${[...known].sort().join(', ')}); fix the name, or give a new service its own image`, true));
    }
  }
  return findings;
}
