import { compareText } from '../../src/core/diagnostics.js';
import { nested, ref, resource, type Block, type Expression, type ObjectValue } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { serviceEnvironment } from '../helm-values/connections.js';
import { infraSecretName } from '../helm-values/secret-names.js';
import { label } from '../infrastructure-shared/naming.js';
import { addVariable } from '../infrastructure-shared/terraform.js';
import type { DoContext } from './context.js';

/** The prefix of an `infraSecrets` reference to a secret kept on the DigitalOcean side. */
const digitalOceanPrefix = 'do:';

/**
 * The `infraSecrets` the pods of a DOKS target read from the Secret `infra-secrets` whose reference
 * is `do:<path>`, sorted by name: exactly the keys the chart's values read from there. Compose
 * droplets have none: the host's install script reads their values itself (bundle/lib.sh).
 */
export function digitalOceanInfraSecrets(environment: ResolvedEnvironment): Array<{ name: string; reference: string; variable: string }> {
  if (environment.infrastructure.compute.platform !== 'doks') return [];
  const read = new Set(
    environment.services.flatMap((service) => serviceEnvironment(environment, service).secretEnv.filter((entry) => entry.secretName === infraSecretName).map((entry) => entry.key)),
  );
  return environment.secrets.infra
    .flatMap((secret) => (secret.reference?.startsWith(digitalOceanPrefix) && read.has(secret.name) ? [{ name: secret.name, reference: secret.reference, variable: `infra_${label(secret.name)}` }] : []))
    .sort((a, b) => compareText(a.name, b.name));
}

/**
 * The Secret `infra-secrets` of the namespace, with one key per `do:` infra secret the pods read.
 *
 * On AWS an ExternalSecret fills it from Secrets Manager; DigitalOcean has no secret manager that
 * External Secrets can read, so Terraform writes it, as it writes the connection Secrets. Slipway
 * never sees the values: each is a sensitive input variable, supplied at apply time from wherever
 * the `do:` reference says it is kept. It then lives in the Terraform state and the cluster, never
 * in the deploy repository. `namespace` is the namespace resource's name, so the Secret waits for it.
 */
export function infraSecretsSecret(context: DoContext, namespace: Expression): Block[] {
  const secrets = digitalOceanInfraSecrets(context.environment);
  if (secrets.length === 0) return [];
  const data: ObjectValue = Object.fromEntries(
    secrets.map(({ name, reference, variable }) => {
      addVariable(context, variable, {
        description: `${name}: the value of ${reference}, supplied at apply time (TF_VAR_${variable}); never stored in the deploy repository`,
        type: ref('string'),
        sensitive: true,
      });
      return [name, ref('var', variable)];
    }),
  );
  return [
    resource(
      'kubernetes_secret_v1',
      'infra_secrets',
      {
        metadata: nested({ name: infraSecretName, namespace, labels: { 'app.kubernetes.io/managed-by': 'terraform' } }),
        type: 'Opaque',
        data,
      },
      [`The infraSecrets the services read, kept on the DigitalOcean side: ${secrets.map((secret) => secret.name).join(', ')}.`],
    ),
  ];
}
