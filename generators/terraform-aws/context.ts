import { nested, ref, resource, type Block, type Body, type Expression, type ObjectValue } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import { boundedName, isProduction } from '../infrastructure-shared/naming.js';
import type { ModuleParts } from '../infrastructure-shared/terraform.js';

/** What the parts of one AWS configuration share while they are built. */
export interface AwsContext extends ModuleParts {
  environment: ResolvedEnvironment;
  name: string;
  production: boolean;
  /** Availability zones the network spans. */
  azCount: number;
  /** Private subnets and NAT exist (everything but a single Compose host). */
  privateNetwork: boolean;
  /** The security group whose members may reach the data stores. */
  appSecurityGroup: Expression | undefined;
  logRetentionDays: number;
  /** ARN of the SNS topic alarms notify, when there is one. */
  alertsTopic: Expression | undefined;
  /** ARNs AWS Backup protects. */
  backupResources: Expression[];
}

export function awsContext(environment: ResolvedEnvironment): AwsContext {
  const production = isProduction(environment);
  return {
    environment,
    name: environment.name,
    production,
    azCount: production ? 3 : 2,
    privateNetwork: environment.runtime !== 'compose',
    variables: [],
    outputs: [],
    appSecurityGroup: undefined,
    logRetentionDays: production ? 90 : 30,
    alertsTopic: undefined,
    backupResources: [],
  };
}

/** A `Name` tag; the environment's own tags come from the provider's `default_tags`. */
export function nameTag(...parts: string[]): ObjectValue {
  return { Name: parts.join('-') };
}

/** AWS names with per-service limits (ALB and target groups: 32; IAM roles: 64). */
export function awsName(context: AwsContext, parts: readonly string[], max = 64): string {
  return boundedName([context.name, ...parts], max);
}

export const privateSubnetIds = () => ref('aws_subnet.private').all().get('id');
export const publicSubnetIds = () => ref('aws_subnet.public').all().get('id');
export const vpcId = () => ref('aws_vpc.main.id');

export const fromAnywhere: Body = { cidr_blocks: ['0.0.0.0/0'], ipv6_cidr_blocks: ['::/0'] };

/** A security group rule letting TCP `port` in from `from` (CIDR blocks, prefix lists or security groups). */
export function ingress(port: number, description: string, from: Body): Body {
  return { description, from_port: port, to_port: port, protocol: 'tcp', ...from };
}

const allEgress: Body = { description: 'All outbound', from_port: 0, to_port: 0, protocol: '-1', ...fromAnywhere };

/** A security group in the VPC: these ingress rules, and all outbound traffic unless `egress` says otherwise. */
export function securityGroup(context: AwsContext, name: string, description: string, ingressRules: Body[], egress: Body = allEgress): Block {
  return resource('aws_security_group', name, {
    name: awsName(context, [name.replace(/_/g, '-')], 255),
    description,
    vpc_id: vpcId(),
    ingress: ingressRules.length > 0 ? nested(ingressRules) : undefined,
    egress: nested(egress),
    tags: nameTag(context.name, name.replace(/_/g, '-')),
  });
}

/** `aws_iam_policy_document` trust policy for a service principal. */
export function assumeRolePolicy(principal: string): Body {
  return { statement: nested({ actions: ['sts:AssumeRole'], principals: nested({ type: 'Service', identifiers: [principal] }) }) };
}

/** Services that serve traffic through a port (the ones a load balancer or service discovery can reach). */
export function portedServices(environment: ResolvedEnvironment): ResolvedService[] {
  return environment.services.filter((service) => service.ports.length > 0);
}
