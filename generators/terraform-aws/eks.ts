import { call, data, nested, ref, resource, type Block, type Body } from '../../src/core/hcl/index.js';
import { label } from '../infrastructure-shared/naming.js';
import { nodePoolBounds } from '../infrastructure-shared/sizing.js';
import { addOutput } from '../infrastructure-shared/terraform.js';
import { assumeRolePolicy, awsName, privateSubnetIds, type AwsContext } from './context.js';

/** Capacity a general-purpose node (m6i.xlarge) offers pods after the system's share. */
const generalNode = { type: 'm6i.xlarge', cpus: 3.5, memoryGiB: 12 };

/** GPU instance types by GPUs per node (NVIDIA A10G). */
const gpuNodes = [
  { gpus: 1, type: 'g5.xlarge' },
  { gpus: 4, type: 'g5.12xlarge' },
  { gpus: 8, type: 'g5.48xlarge' },
];

const nodePolicies = [
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
];

/**
 * EKS: the control plane (secrets encrypted with a customer key, audit logs kept), a managed node
 * group sized from the services' requests, a tainted GPU node group when a service asks for GPUs,
 * and the core add-ons. The cluster is named after the environment.
 */
export function eks(context: AwsContext): Block[] {
  const { name, environment } = context;
  const infra = environment.infrastructure;
  const version = environment.runtimeVersion.declared;
  const cloudwatchLogs = infra.observability.logs === 'cloudwatch';
  context.appSecurityGroup = ref('aws_eks_cluster.main.vpc_config').at(0).get('cluster_security_group_id');

  const gpuServices = environment.services.filter((service) => infra.compute.gpuServices.includes(service.name));
  const generalServices = environment.services.filter((service) => !infra.compute.gpuServices.includes(service.name));
  const nodes = nodePoolBounds(generalNode, generalServices, context.production);

  const blocks: Block[] = [
    data('aws_iam_policy_document', 'eks_cluster_assume', assumeRolePolicy('eks.amazonaws.com')),
    resource('aws_iam_role', 'eks_cluster', { name: awsName(context, ['eks-cluster']), assume_role_policy: ref('data.aws_iam_policy_document.eks_cluster_assume.json') }),
    resource('aws_iam_role_policy_attachment', 'eks_cluster', { role: ref('aws_iam_role.eks_cluster.name'), policy_arn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy' }),
    resource('aws_kms_key', 'eks', { description: `Kubernetes secrets of ${name}`, enable_key_rotation: true, deletion_window_in_days: 30 }),
    resource('aws_cloudwatch_log_group', 'eks', { name: `/aws/eks/${name}/cluster`, retention_in_days: context.logRetentionDays }),
    resource(
      'aws_eks_cluster',
      'main',
      {
        name,
        version,
        role_arn: ref('aws_iam_role.eks_cluster.arn'),
        enabled_cluster_log_types: ['api', 'audit', 'authenticator'],
        vpc_config: nested({
          subnet_ids: privateSubnetIds(),
          endpoint_private_access: true,
          // An enterprise cluster's API is reachable from inside its VPC only.
          endpoint_public_access: !infra.network.dedicated,
        }),
        encryption_config: nested({ resources: ['secrets'], provider: nested({ key_arn: ref('aws_kms_key.eks.arn') }) }),
        depends_on: [ref('aws_iam_role_policy_attachment.eks_cluster'), ref('aws_cloudwatch_log_group.eks')],
      },
      [version ? `Kubernetes ${version} control plane of ${name}.` : `Kubernetes control plane of ${name}.`],
    ),
    data('aws_iam_policy_document', 'eks_nodes_assume', assumeRolePolicy('ec2.amazonaws.com')),
    resource('aws_iam_role', 'eks_nodes', { name: awsName(context, ['eks-nodes']), assume_role_policy: ref('data.aws_iam_policy_document.eks_nodes_assume.json') }),
    resource('aws_iam_role_policy_attachment', 'eks_nodes', {
      for_each: call('toset', cloudwatchLogs ? [...nodePolicies, 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy'] : nodePolicies),
      role: ref('aws_iam_role.eks_nodes.name'),
      policy_arn: ref('each.value'),
    }),
    nodeGroup('general', { instanceType: generalNode.type, amiType: 'AL2023_x86_64_STANDARD', min: nodes.min, max: nodes.max }),
  ];

  if (gpuServices.length > 0) {
    const perReplica = Math.max(...gpuServices.map((service) => service.resources.gpu ?? 1));
    const node = gpuNodes.find((candidate) => candidate.gpus >= perReplica) ?? gpuNodes[gpuNodes.length - 1]!;
    const replicasPerNode = Math.max(1, Math.floor(node.gpus / perReplica));
    const count = (pick: 'min' | 'max') => Math.ceil(gpuServices.reduce((sum, service) => sum + Math.max(1, service.scaling[pick]), 0) / replicasPerNode);
    blocks.push(
      nodeGroup(
        'gpu',
        {
          instanceType: node.type,
          amiType: 'AL2023_x86_64_NVIDIA',
          min: count('min'),
          max: Math.max(count('min'), count('max')),
          gpu: true,
        },
        [`GPU nodes for ${gpuServices.map((service) => service.name).join(', ')}: tainted, so only pods that ask for nvidia.com/gpu land here.`],
      ),
    );
  }

  const addons = ['coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni', ...(cloudwatchLogs ? ['amazon-cloudwatch-observability'] : [])].sort();
  blocks.push(
    resource('aws_eks_addon', 'main', {
      for_each: call('toset', addons),
      cluster_name: ref('aws_eks_cluster.main.name'),
      addon_name: ref('each.value'),
      depends_on: [ref('aws_eks_node_group.general')],
    }),
  );
  if (cloudwatchLogs) {
    blocks.push(resource('aws_cloudwatch_log_group', 'eks_application', { name: `/aws/containerinsights/${name}/application`, retention_in_days: context.logRetentionDays }));
  }

  addOutput(context, 'cluster_name', ref('aws_eks_cluster.main.name'), 'EKS cluster (aws eks update-kubeconfig --name)');
  addOutput(context, 'cluster_endpoint', ref('aws_eks_cluster.main.endpoint'), 'Kubernetes API endpoint');
  addOutput(context, 'cluster_certificate_authority', ref('aws_eks_cluster.main.certificate_authority').at(0).get('data'), 'Kubernetes API CA (base64)');
  addOutput(context, 'cluster_security_group_id', context.appSecurityGroup, 'Security group of the cluster and its nodes');
  return blocks;
}

function nodeGroup(
  group: string,
  spec: { instanceType: string; amiType: string; min: number; max: number; gpu?: boolean },
  comment?: string[],
): Block {
  const body: Body = {
    cluster_name: ref('aws_eks_cluster.main.name'),
    node_group_name: group,
    node_role_arn: ref('aws_iam_role.eks_nodes.arn'),
    subnet_ids: privateSubnetIds(),
    ami_type: spec.amiType,
    instance_types: [spec.instanceType],
    capacity_type: 'ON_DEMAND',
    labels: spec.gpu ? { 'slipway.dev/pool': group, 'nvidia.com/gpu.present': 'true' } : { 'slipway.dev/pool': group },
    scaling_config: nested({ desired_size: spec.min, min_size: spec.min, max_size: spec.max }),
    update_config: nested({ max_unavailable: 1 }),
    taint: spec.gpu ? nested({ key: 'nvidia.com/gpu', value: 'present', effect: 'NO_SCHEDULE' }) : undefined,
    // The cluster autoscaler moves desired_size between min and max; Terraform keeps its hands off.
    lifecycle: nested({ ignore_changes: [ref('scaling_config').at(0).get('desired_size')] }),
    depends_on: [ref('aws_iam_role_policy_attachment.eks_nodes')],
  };
  return resource('aws_eks_node_group', label(group), body, comment);
}
