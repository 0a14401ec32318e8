import { call, data, nested, ref, resource, type Block, type Expression } from '../../src/core/hcl/index.js';
import { addOutput, addVariable } from '../infrastructure-shared/terraform.js';
import { nameTag, privateSubnetIds, publicSubnetIds, vpcId, type AwsContext } from './context.js';

/**
 * The VPC: public subnets (load balancer, NAT) and private ones (compute, data stores) across the
 * zones, carved from `var.vpc_cidr` — for an enterprise target its own dedicated range. The public
 * quarter of the range holds the public subnets, the upper half the private ones.
 */
export function network(context: AwsContext): Block[] {
  const { name, azCount, environment } = context;
  const infra = environment.infrastructure;
  const eks = infra.compute.platform === 'eks';
  addVariable(context, 'vpc_cidr', {
    description: infra.network.dedicated ? 'IPv4 range of the dedicated VPC (the enterprise range from the environment)' : 'IPv4 range of the VPC',
    type: ref('string'),
    default: infra.network.cidr,
  });
  // One subnet per zone, each a quarter of its tier's range; on EKS tagged for the load balancers.
  const subnets = (tier: 'public' | 'private', range: Expression, elbRole: string) =>
    resource('aws_subnet', tier, {
      count: azCount,
      vpc_id: vpcId(),
      cidr_block: call('cidrsubnet', range, 2, ref('count.index')),
      availability_zone: ref('data.aws_availability_zones.available.names').at(ref('count.index')),
      tags: { ...nameTag(name, tier), ...(eks ? { [elbRole]: '1' } : {}) },
    });
  const blocks: Block[] = [
    data('aws_availability_zones', 'available', { state: 'available' }),
    resource(
      'aws_vpc',
      'main',
      { cidr_block: ref('var.vpc_cidr'), enable_dns_support: true, enable_dns_hostnames: true, tags: nameTag(name) },
      infra.network.dedicated ? [`Dedicated VPC of ${name}: no other target shares it.`] : undefined,
    ),
    resource('aws_internet_gateway', 'main', { vpc_id: vpcId(), tags: nameTag(name) }),
    subnets('public', call('cidrsubnet', ref('var.vpc_cidr'), 2, 0), 'kubernetes.io/role/elb'),
    resource('aws_route_table', 'public', {
      vpc_id: vpcId(),
      route: nested({ cidr_block: '0.0.0.0/0', gateway_id: ref('aws_internet_gateway.main.id') }),
      tags: nameTag(name, 'public'),
    }),
    resource('aws_route_table_association', 'public', {
      count: azCount,
      subnet_id: ref('aws_subnet.public').at(ref('count.index')).get('id'),
      route_table_id: ref('aws_route_table.public.id'),
    }),
  ];
  addOutput(context, 'vpc_id', vpcId(), 'The VPC');
  addOutput(context, 'public_subnet_ids', publicSubnetIds(), 'Public subnets (load balancer, NAT)');
  if (!context.privateNetwork) return blocks;

  // Production gets a NAT gateway per zone, so losing a zone never cuts the others off.
  const natCount = context.production ? azCount : 1;
  blocks.push(
    subnets('private', call('cidrsubnet', ref('var.vpc_cidr'), 1, 1), 'kubernetes.io/role/internal-elb'),
    resource('aws_eip', 'nat', { count: natCount, domain: 'vpc', tags: nameTag(name, 'nat') }),
    resource('aws_nat_gateway', 'main', {
      count: natCount,
      allocation_id: ref('aws_eip.nat').at(ref('count.index')).get('id'),
      subnet_id: ref('aws_subnet.public').at(ref('count.index')).get('id'),
      tags: nameTag(name),
      depends_on: [ref('aws_internet_gateway.main')],
    }),
    resource('aws_route_table', 'private', {
      count: natCount,
      vpc_id: vpcId(),
      route: nested({ cidr_block: '0.0.0.0/0', nat_gateway_id: ref('aws_nat_gateway.main').at(ref('count.index')).get('id') }),
      tags: nameTag(name, 'private'),
    }),
    resource('aws_route_table_association', 'private', {
      count: azCount,
      subnet_id: ref('aws_subnet.private').at(ref('count.index')).get('id'),
      route_table_id: ref('aws_route_table.private').at(natCount > 1 ? ref('count.index') : 0).get('id'),
    }),
  );
  if (infra.privateStorage) {
    blocks.push(
      resource(
        'aws_vpc_endpoint',
        's3',
        {
          vpc_id: vpcId(),
          service_name: call('format', 'com.amazonaws.%s.s3', ref('var.region')),
          vpc_endpoint_type: 'Gateway',
          route_table_ids: call('concat', ref('aws_route_table.private').all().get('id'), [ref('aws_route_table.public.id')]),
          tags: nameTag(name, 's3'),
        },
        ['Private storage: object traffic stays inside the VPC, and the buckets accept object reads and writes only through this endpoint.'],
      ),
    );
  }
  addOutput(context, 'private_subnet_ids', privateSubnetIds(), 'Private subnets (compute and data stores)');
  return blocks;
}
