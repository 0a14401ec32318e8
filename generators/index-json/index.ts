import { jsonBytes } from '../../src/core/serialize.js';
import type { ProjectGenerator } from '../types.js';

/** `index.json`: the machine-readable list of every environment, its release, manifest digest and status. */
export const indexJsonGenerator: ProjectGenerator = {
  name: 'index-json',
  scope: 'project',
  description: 'index.json: every environment, its release, manifest digest and status',
  appliesTo: () => true,
  generate(model) {
    const environments = model.environments.map((environment) => ({
      name: environment.name,
      mode: environment.mode,
      tier: environment.tier,
      provider: environment.provider,
      runtime: environment.runtime,
      release: environment.release,
      status: environment.status,
      blockReasons: environment.blockReasons.map((reason) => ({ cause: reason.cause, message: reason.message })),
      manifestSha256: environment.manifestSha256,
    }));
    return [{ path: 'index.json', bytes: jsonBytes({ apiVersion: 'slipway.dev/v1', kind: 'DeploymentIndex', environments }) }];
  },
};
