import type { ComputeResources, PortSpec } from './inputs.js';
import type { Origin } from './source.js';

/**
 * Service-level options (volumes, config files, node placement, identity, extra containers, a
 * schedule): what `service.json` and an environment's `overrides.services.<svc>` may say, and what
 * resolve makes of them. The schemas (`$defs/option*`) are the authority on the inputs.
 */

export interface VolumeInput {
  name: string;
  mountPath: string;
  size: string;
  storageClass?: string;
}

export interface ConfigFileInput {
  /** Relative to `services/<service>/`. */
  source: string;
  mountPath: string;
}

export interface TolerationInput {
  key: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeExpression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface AffinityInput {
  nodeAffinity: { required?: NodeExpression[]; preferred?: Array<NodeExpression & { weight: number }> };
}

export interface SecurityContextInput {
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
}

export interface ContainerInput {
  name: string;
  image: string;
  command?: string[];
  env?: Record<string, string>;
  resources?: ComputeResources;
}

/** The options both `service.json` and an override may set. */
export interface ServiceOptionsOverrideInput {
  ports?: PortSpec[];
  volumes?: VolumeInput[];
  nodeSelector?: Record<string, string>;
  tolerations?: TolerationInput[];
  affinity?: AffinityInput;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  serviceAccount?: { annotations: Record<string, string> };
  securityContext?: SecurityContextInput;
  initContainers?: ContainerInput[];
  sidecars?: ContainerInput[];
  schedule?: string;
}

/** `service.json` alone names config files: their sources are paths of the service's folder. */
export interface ServiceOptionsInput extends Omit<ServiceOptionsOverrideInput, 'ports'> {
  configFiles?: ConfigFileInput[];
}

/** A config file as the loader read it: its text, or nothing when it could not be read (already reported). */
export interface ConfigFileContent {
  /** Relative to the source root: `services/<service>/<source>`. */
  path: string;
  text: string;
}

export interface ResolvedVolume {
  name: string;
  mountPath: string;
  size: string;
  /** Undefined: the cluster's default StorageClass. */
  storageClass: string | undefined;
  origin: Origin;
}

export interface ResolvedConfigFile {
  /** A DNS label unique within the service (`config-<n>`, in declaration order): names the key, the Compose config and the volume. */
  key: string;
  source: string;
  mountPath: string;
  /** The file's UTF-8 text, read by the loader: generators never read the source tree. */
  content: string;
  origin: Origin;
}

export interface ResolvedToleration {
  key: string;
  operator: 'Equal' | 'Exists';
  /** Only with Equal. */
  value: string | undefined;
  /** Undefined: every effect. */
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | undefined;
}

export interface ResolvedContainer {
  name: string;
  image: string;
  command: string[] | undefined;
  env: Record<string, string>;
  resources: ComputeResources;
  origin: Origin;
}

/** securityContext split by where Kubernetes takes each field; all undefined means the chart's defaults only. */
export interface ResolvedSecurityContext {
  pod: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; runAsNonRoot?: boolean };
  container: { readOnlyRootFilesystem?: boolean };
}

/** Which option a finding is about: the names of the input fields. */
export type ServiceOptionName = keyof ServiceOptionsInput | 'ports';

/** The options of one service in one environment, overrides merged, defaults decided. */
export interface ResolvedServiceOptions {
  volumes: ResolvedVolume[];
  configFiles: ResolvedConfigFile[];
  /** Sorted by key. */
  nodeSelector: Record<string, string>;
  tolerations: ResolvedToleration[];
  affinity: AffinityInput | undefined;
  /** Pod labels, sorted by key (Slipway's own labels are not among them: they win). */
  labels: Record<string, string>;
  /** Pod annotations, sorted by key. */
  annotations: Record<string, string>;
  /** The ServiceAccount's annotations, sorted; undefined: the service declares no ServiceAccount. */
  serviceAccount: { annotations: Record<string, string> } | undefined;
  securityContext: ResolvedSecurityContext;
  initContainers: ResolvedContainer[];
  sidecars: ResolvedContainer[];
  /** Cron (UTC): the service runs as a scheduled job, not continuously. */
  schedule: string | undefined;
  /** Where each option that is set was written (the environment's override when it has one), for findings. */
  origins: Partial<Record<ServiceOptionName, Origin>>;
}

/** The ServiceAccount annotation IRSA reads (the pods' AWS role); on ECS the same role becomes the task role. */
export const irsaRoleAnnotation = 'eks.amazonaws.com/role-arn';
