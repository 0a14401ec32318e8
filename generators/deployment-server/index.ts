import { jsonBytes } from '../../src/core/serialize.js';
import type { ProjectGenerator } from '../types.js';
import type { OutputFile } from '../../src/core/output-file.js';

const kinds = {
  target: 'TargetPolicy',
  provisioning: 'ProvisioningPolicy',
  secrets: 'SecretsPolicy',
  attestation: 'AttestationPolicy',
} as const;

/**
 * `api/v1/deployment-server/*.json`: the policies as the deployment server and update agents fetch
 * them, so a target can check its own standing without reading the source repository.
 */
export const deploymentServerGenerator: ProjectGenerator = {
  name: 'deployment-server',
  scope: 'project',
  description: 'the policies as the deployment server reads them (JSON)',
  appliesTo: () => true,
  generate(model) {
    return (Object.keys(kinds) as Array<keyof typeof kinds>).map(
      (key): OutputFile => ({
        path: `api/v1/deployment-server/${key}-policy.json`,
        bytes: jsonBytes({ apiVersion: 'slipway.dev/v1', kind: kinds[key], spec: model.policies[key] }),
      }),
    );
  },
};
