import { call, data, nested, ref, resource, type Block } from '../../src/core/hcl/index.js';
import { hostPorts, rotatedJsonLogs, userDataReference, type HostOptions } from '../infrastructure-shared/host.js';
import { composeHostSize, embeddedStoreGiB } from '../infrastructure-shared/sizing.js';
import { addOutput } from '../infrastructure-shared/terraform.js';
import { assumeRolePolicy, awsName, fromAnywhere, ingress, nameTag, securityGroup, type AwsContext } from './context.js';

const instanceTypes = [
  { type: 't3.medium', cpus: 2, memoryGiB: 4 },
  { type: 't3.large', cpus: 2, memoryGiB: 8 },
  { type: 'm6i.xlarge', cpus: 4, memoryGiB: 16 },
  { type: 'm6i.2xlarge', cpus: 8, memoryGiB: 32 },
  { type: 'm6i.4xlarge', cpus: 16, memoryGiB: 64 },
];

/** Canonical's account, which publishes the Ubuntu images. */
const canonical = '099720109477';

/**
 * A Compose target on AWS: one EC2 instance running Docker and the Compose plugin (cloud-init), an
 * Elastic IP, a security group that opens only HTTP, HTTPS and the public endpoints (operators come
 * in through SSM, not SSH), and a root volume sized for the embedded stores' data.
 */
export function host(context: AwsContext): { blocks: Block[]; userData: HostOptions } {
  const { name, environment } = context;
  const infra = environment.infrastructure;
  const size = composeHostSize(instanceTypes, environment.services);
  const dataGiB = embeddedStoreGiB(environment);
  const cloudwatch = infra.observability.logs === 'cloudwatch';
  const daemon = cloudwatch
    ? { 'log-driver': 'awslogs', 'log-opts': { 'awslogs-region': environment.infrastructure.region ?? 'us-east-1', 'awslogs-group': `/slipway/${name}` } }
    : rotatedJsonLogs;
  const policies = ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', ...(cloudwatch ? ['arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy'] : [])];

  const blocks: Block[] = [
    data('aws_ami', 'ubuntu', {
      most_recent: true,
      owners: [canonical],
      filter: nested([
        { name: 'name', values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'] },
        { name: 'virtualization-type', values: ['hvm'] },
      ]),
    }),
    securityGroup(
      context,
      'host',
      'Compose host: web traffic only',
      hostPorts(environment, { ssh: false }).map((port) => ingress(port, `TCP ${port} from anywhere`, fromAnywhere)),
    ),
    data('aws_iam_policy_document', 'host_assume', assumeRolePolicy('ec2.amazonaws.com')),
    resource('aws_iam_role', 'host', { name: awsName(context, ['host']), assume_role_policy: ref('data.aws_iam_policy_document.host_assume.json') }),
    resource('aws_iam_role_policy_attachment', 'host', { for_each: call('toset', policies), role: ref('aws_iam_role.host.name'), policy_arn: ref('each.value') }),
    resource('aws_iam_instance_profile', 'host', { name: awsName(context, ['host']), role: ref('aws_iam_role.host.name') }),
    resource(
      'aws_instance',
      'host',
      {
        ami: ref('data.aws_ami.ubuntu.id'),
        instance_type: size.type,
        subnet_id: ref('aws_subnet.public').at(0).get('id'),
        vpc_security_group_ids: [ref('aws_security_group.host.id')],
        iam_instance_profile: ref('aws_iam_instance_profile.host.name'),
        monitoring: true,
        user_data: userDataReference(),
        root_block_device: nested({ volume_size: 30 + dataGiB, volume_type: 'gp3', encrypted: true }),
        metadata_options: nested({ http_endpoint: 'enabled', http_tokens: 'required' }),
        tags: nameTag(name),
        // A newer Ubuntu image or changed cloud-init must not replace a host that holds data.
        lifecycle: nested({ ignore_changes: [ref('ami'), ref('user_data')] }),
      },
      [`Compose host of ${name}: ${size.type}, ${30 + dataGiB} GiB (the embedded stores' data lives on this volume).`],
    ),
    resource('aws_eip', 'host', { instance: ref('aws_instance.host.id'), domain: 'vpc', tags: nameTag(name) }),
  ];
  if (cloudwatch) blocks.push(resource('aws_cloudwatch_log_group', 'host', { name: `/slipway/${name}`, retention_in_days: context.logRetentionDays }));
  context.backupResources.push(ref('aws_instance.host.arn'));
  addOutput(context, 'host_public_ip', ref('aws_eip.host.public_ip'), 'Public address of the Compose host');
  addOutput(context, 'host_instance_id', ref('aws_instance.host.id'), 'Instance id (aws ssm start-session --target)');
  return { blocks, userData: { daemon } };
}
