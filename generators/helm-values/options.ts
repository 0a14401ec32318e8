import type { ComputeResources, NodeExpression, ResolvedContainer, ResolvedService } from '../../src/model/index.js';

/** The chart values of a service's options (generators/chart/templates/_options.tpl, _pod.tpl, cronjob.yaml …), in Kubernetes' shapes. */
export interface OptionValues {
  schedule: string;
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  nodeSelector: Record<string, string>;
  tolerations: Array<{ key: string; operator: 'Equal' | 'Exists'; value?: string; effect?: string }>;
  affinity: { nodeAffinity?: NodeAffinity };
  podSecurityContext: ResolvedService['options']['securityContext']['pod'];
  containerSecurityContext: ResolvedService['options']['securityContext']['container'];
  persistence: Array<{ name: string; mountPath: string; size: string; storageClass?: string }>;
  configFiles: Array<{ key: string; mountPath: string; content: string }>;
  initContainers: ExtraContainerValues[];
  sidecars: ExtraContainerValues[];
}

interface NodeSelectorTerm {
  matchExpressions: NodeExpression[];
}

interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
  preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight: number; preference: NodeSelectorTerm }>;
}

export interface ExtraContainerValues {
  name: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  resources: { requests: ContainerQuantities; limits: ContainerQuantities };
}

type ContainerQuantities = { cpu?: string; memory?: string; 'nvidia.com/gpu'?: number };

/** What a service without options gets, and the AI gateway: the chart's defaults. */
export function noOptionValues(): OptionValues {
  return { schedule: '', podLabels: {}, podAnnotations: {}, nodeSelector: {}, tolerations: [], affinity: {}, podSecurityContext: {}, containerSecurityContext: {}, persistence: [], configFiles: [], initContainers: [], sidecars: [] };
}

export function optionValues(service: ResolvedService): OptionValues {
  const { options } = service;
  return {
    schedule: options.schedule ?? '',
    podLabels: options.labels,
    podAnnotations: options.annotations,
    nodeSelector: options.nodeSelector,
    tolerations: options.tolerations.map((toleration) => ({
      key: toleration.key,
      operator: toleration.operator,
      ...(toleration.value === undefined ? {} : { value: toleration.value }),
      ...(toleration.effect === undefined ? {} : { effect: toleration.effect }),
    })),
    affinity: options.affinity ? { nodeAffinity: nodeAffinity(options.affinity.nodeAffinity) } : {},
    podSecurityContext: options.securityContext.pod,
    containerSecurityContext: options.securityContext.container,
    persistence: options.volumes.map((volume) => ({ name: volume.name, mountPath: volume.mountPath, size: volume.size, ...(volume.storageClass === undefined ? {} : { storageClass: volume.storageClass }) })),
    configFiles: options.configFiles.map((file) => ({ key: file.key, mountPath: file.mountPath, content: file.content })),
    initContainers: options.initContainers.map(extraContainer),
    sidecars: options.sidecars.map(extraContainer),
  };
}

function nodeAffinity(rules: NonNullable<ResolvedService['options']['affinity']>['nodeAffinity']): NodeAffinity {
  const expression = ({ key, operator, values }: NodeExpression): NodeExpression => ({ key, operator, ...(values === undefined ? {} : { values }) });
  return {
    // All required expressions in one term: Kubernetes ANDs the expressions of a term and ORs the terms.
    ...(rules.required ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: rules.required.map(expression) }] } } : {}),
    ...(rules.preferred ? { preferredDuringSchedulingIgnoredDuringExecution: rules.preferred.map((rule) => ({ weight: rule.weight, preference: { matchExpressions: [expression(rule)] } })) } : {}),
  };
}

function extraContainer(container: ResolvedContainer): ExtraContainerValues {
  return { name: container.name, image: container.image, command: container.command ?? [], env: container.env, resources: containerResources(container.resources) };
}

/** The service's own container and its extra ones: memory limited to what is requested (no overcommit to be OOM-killed for), CPU not throttled. */
export function containerResources(resources: ComputeResources): ExtraContainerValues['resources'] {
  const gpu = resources.gpu ?? 0;
  return {
    requests: { ...(resources.cpu === undefined ? {} : { cpu: resources.cpu }), ...(resources.memory === undefined ? {} : { memory: resources.memory }) },
    limits: { ...(resources.memory === undefined ? {} : { memory: resources.memory }), ...(gpu > 0 ? { 'nvidia.com/gpu': gpu } : {}) },
  };
}
