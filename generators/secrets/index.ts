import type { EnvironmentGenerator } from '../types.js';

/**
 * `secrets/secrets.sops.yaml`: the environment's SOPS file exactly as `slipway secrets sync` wrote
 * it. Never decrypted, never re-encrypted here: a file whose names and recipients are unchanged
 * reaches the output byte for byte, so an unchanged secret is no change in the deploy repo.
 */
export const secretsGenerator: EnvironmentGenerator = {
  name: 'secrets',
  scope: 'environment',
  description: 'the generated secrets, SOPS/age-encrypted',
  appliesTo: (environment) => environment.secrets.generated.length > 0 && environment.secrets.file !== undefined,
  generate: (environment) => [{ path: 'secrets/secrets.sops.yaml', bytes: environment.secrets.file!.bytes }],
};
