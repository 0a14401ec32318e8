/**
 * The connection contract: what a service that depends on a resource receives, the same variable
 * names on every target (Compose, Kubernetes, ECS, bare metal); only where each value comes from
 * differs. Decided in resolve; every runtime generator renders it, and the runbook lists it.
 */

/** One piece of a resource's connection, whatever the target. */
export type ConnectionField = 'host' | 'port' | 'database' | 'username' | 'password' | 'scheme' | 'url' | 'bucket' | 'region' | 'endpoint' | 'path-style' | 'access-key-id' | 'secret-access-key';

/**
 * One piece of a URL made of a resource's other fields: text known when Slipway renders (already
 * percent-encoded), or the value of the variable that carries one field in the service's own
 * environment (its name after the service's prefix or renames), which the runtime splices in.
 */
export type UrlPart = { text: string } | { field: ConnectionField; variable: string };

/** Where a connection variable's value comes from on this target. */
export type ConnectionSource =
  /** Known when Slipway renders: a port, a database name, a region. */
  | { kind: 'literal'; value: string }
  /** The environment's SOPS-generated secret of that name (`slipway secrets sync`). */
  | { kind: 'generated-secret'; secret: string }
  /** The address or credential of a store run beside the services: the runtime's generator knows it (a Compose service name, a chart's Service and Secret). */
  | { kind: 'embedded'; resource: string }
  /** Written by this environment's Terraform for the managed resource, and carried to the workload as the resource's `delivery` says. */
  | { kind: 'infrastructure'; resource: string }
  /**
   * A URL form (DATABASE_URL, REDIS_URL) of an embedded store, made where the workload starts from
   * the other variables it receives: Kubernetes expands `$(VAR)`, Compose's install script writes
   * it into the env file, percent-encoding the secret part.
   */
  | { kind: 'composed'; parts: UrlPart[] }
  /**
   * Deliberately empty: the workload's own cloud identity (EKS Pod Identity, the ECS task role)
   * reaches the bucket. The variable is still set, so the environment has the same names as
   * everywhere; every AWS SDK skips empty keys and takes the role from its default chain.
   */
  | { kind: 'workload-identity'; resource: string };

export interface ConnectionVariable {
  /** The variable the service receives (after its prefix or renames). */
  name: string;
  /** The contract's name for it (DB_HOST …), before any prefix or rename. */
  contractName: string;
  resource: string;
  field: ConnectionField;
  /** Passwords and keys: never a literal, never shown. */
  secret: boolean;
  source: ConnectionSource;
}

/** How a managed resource's infrastructure outputs reach the workloads of this target. */
export type ConnectionDelivery =
  /** Run beside the services: nothing to carry. */
  | { kind: 'embedded' }
  /**
   * Terraform writes the outputs as one JSON object (field → value) into this AWS Secrets Manager
   * secret; on Kubernetes an External Secrets `ExternalSecret` materialises it as the Secret
   * `kubernetesSecret`, on ECS the task definition reads each key through `valueFrom`.
   */
  | { kind: 'aws-secrets-manager'; secretName: string; kubernetesSecret: string }
  /** Terraform's Kubernetes provider writes the outputs into this Secret of the target's namespace (DigitalOcean has no secret manager). */
  | { kind: 'terraform-kubernetes-secret'; kubernetesSecret: string }
  /**
   * Terraform renders the workloads itself (ECS task definitions): they refer to the resource's
   * attributes directly, and read the secret ones (a URL with its password) as JSON keys of the
   * Secrets Manager secret `secretName`, which Terraform writes when there are any.
   */
  | { kind: 'terraform-reference'; secretName: string };

/** One entry of the contract as this target fills it for a resource, before a service names it. */
export interface ResourceVariable {
  field: ConnectionField;
  contractName: string;
  secret: boolean;
  source: ConnectionSource;
}

export interface ResourceConnection {
  /** The contract's entries this target gives, each with its source; every service using the resource receives these. */
  variables: ResourceVariable[];
  delivery: ConnectionDelivery;
  /** The fields the infrastructure writes for this resource, sorted (empty when embedded). */
  outputs: ConnectionField[];
  /** SQL stores: the database and account the services use (their DB_DATABASE / DB_USERNAME, else the resource's name). */
  account: { database: string; username: string } | undefined;
  /** Object storage reached with the workload's own cloud identity (IRSA, an ECS task role) instead of keys. */
  workloadIdentity: boolean;
  /**
   * An embedded store's own credentials, by field (`password`, `access-key-id`, `secret-access-key`):
   * the secret that holds each and whether the environment generates it (SOPS, `slipway secrets
   * sync`) — else it is the contract's name, which the runtime makes on its own (Compose's install
   * script, a chart's own Secret) — so the store and its clients agree.
   */
  credentials: Partial<Record<ConnectionField, { secret: string; generated: boolean }>>;
}
