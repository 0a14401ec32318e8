import { textBytes } from '../../src/core/serialize.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { secretsDotenvBytes, secretsDotenvFindings, unsupportedVersionFindings } from '../infrastructure-shared/checks.js';
import type { EnvironmentGenerator } from '../types.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { composeDocument, composeYamlBytes } from './compose-file.js';
import { nginxConfig } from './nginx.js';
import { composePlan, type ComposePlan } from './plan.js';
import { composeStoreProblem } from './stores.js';
import { composeOverrideBytes, composeOverrideFile, composeOverrideFindings } from './override.js';

export { composePlan } from './plan.js';

/** The files of a Compose target, by their name inside `compose/` (and inside the bundle); a caller that already holds the plan passes it. */
export function composeFiles(environment: ResolvedEnvironment, plan: ComposePlan = composePlan(environment)): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>([['docker-compose.yml', composeYamlBytes(composeDocument(plan))]]);
  if (plan.edge) files.set('nginx.conf', textBytes(nginxConfig(plan.edge, environment.name)));
  // Config files services mount read-only (./config/<service>/<key>): their text from the model.
  for (const file of plan.files) files.set(file.path, textBytes(file.content));
  // Still encrypted: install.sh runs `sops -d` on the target host.
  const dotenv = secretsDotenvBytes(environment);
  if (dotenv) files.set('secrets.sops.env', dotenv);
  const override = composeOverrideBytes(environment);
  if (override) files.set(composeOverrideFile, override);
  return files;
}

/**
 * `compose/docker-compose.yml`, `compose/nginx.conf` and `compose/secrets.sops.env`: the seed's
 * self-hosted runtime (edge proxy, services, embedded stores, one-shot migration and seed); with the
 * environment's override, `compose/docker-compose.override.yml` (override.ts).
 */
export const composeGenerator: EnvironmentGenerator = {
  name: 'compose',
  scope: 'environment',
  description: 'the Docker Compose project: services, embedded stores, nginx, one-shot jobs',
  appliesTo: (environment) => environment.runtime === 'compose',
  check: (environment) => {
    const findings = [...unsupportedVersionFindings(environment, composeStoreProblem), ...secretsDotenvFindings(environment, 'Compose')];
    // The override is judged against the plan, which only a target passing the checks above has.
    if (findings.length > 0 || !environment.extras.composeOverride) return findings;
    return composeOverrideFindings(environment, composePlan(environment));
  },
  generate: (environment): OutputFile[] => [...composeFiles(environment)].map(([name, bytes]) => ({ path: `compose/${name}`, bytes })),
};
