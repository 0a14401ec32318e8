/**
 * The Secrets of a Kubernetes target's namespace that the application chart's pods read, other than
 * a managed resource's `<resource>-connection` (named by the model) and an embedded chart's own.
 */

/** The SOPS dotenv file, decrypted by Flux (a secretGenerator) or KSOPS in Argo CD (k8s/). */
export const generatedSecretName = 'generated-secrets';
/** The `infraSecrets` read by services (`from: infra`): an ExternalSecret of k8s/ creates it from AWS Secrets Manager or Vault; on DigitalOcean, Terraform. */
export const infraSecretName = 'infra-secrets';
