/**
 * The connection contract: what a service that depends on a resource receives, the same variable
 * names on every target (Compose, Kubernetes, ECS, bare metal); only where each value comes from
 * differs. Decided in resolve; every runtime generator renders it, and the runbook lists it.
 */

/** One piece of a resource's connection, whatever the target. */
export type ConnectionField = 'host' | 'port' | 'database' | 'username' | 'password' | 'scheme' | 'bucket' | 'region' | 'endpoint' | 'path-style' | 'access-key-id' | 'secret-access-key';

/** Where a connection variable's value comes from on this target. */
export type ConnectionSource =
  /** Known when Slipway renders: a port, a database name, a region. */
  | { kind: 'literal'; value: string }
  /** The environment's SOPS-generated secret of that name (`slipway secrets sync`). */
  | { kind: 'generated-secret'; secret: string }
  /** The address or credential of a store run beside the services: the runtime's generator knows it (a Compose service name, a chart's Service and Secret). */
  | { kind: 'embedded'; resource: string }
  /** Written by this environment's Terraform for the managed resource, and carried to the workload as the resource's `delivery` says. */
  | { kind: 'infrastructure'; resource: string };

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
  /** Terraform renders the workloads itself (ECS task definitions): they refer to the resource's attributes directly. */
  | { kind: 'terraform-reference' };

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
   * the secret that holds each — the generated one the services also read, else the contract's name,
   * which the runtime makes on its own (Compose's install script) — so the store and its clients agree.
   */
  credentials: Partial<Record<ConnectionField, string>>;
}
