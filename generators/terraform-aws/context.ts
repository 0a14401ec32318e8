import { nested, output, ref, variable, type Block, type Body, type Expression, type ObjectValue } from '../../src/hcl/index.js';
import type { ResolvedEnvironment, ResolvedService } from '../../src/resolve/index.js';
import { boundedName, isProduction, label } from './shared.js';

/** What the parts of one AWS configuration share while they are built. */
export interface AwsContext {
  environment: ResolvedEnvironment;
  name: string;
  production: boolean;
  /** Availability zones the network spans. */
  azCount: number;
  /** Private subnets and NAT exist (everything but a single Compose host). */
  privateNetwork: boolean;
  variables: Block[];
  outputs: Block[];
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

export function addVariable(context: AwsContext, name: string, body: Body): void {
  context.variables.push(variable(name, body));
}

export function addOutput(context: AwsContext, name: string, value: Body['value'], description: string, sensitive?: boolean): void {
  context.outputs.push(output(name, { description, value, sensitive }));
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

/** `aws_iam_policy_document` trust policy for a service principal. */
export function assumeRolePolicy(principal: string): Body {
  return { statement: nested({ actions: ['sts:AssumeRole'], principals: nested({ type: 'Service', identifiers: [principal] }) }) };
}

/** Services that serve traffic through a port (the ones a load balancer or service discovery can reach). */
export function portedServices(environment: ResolvedEnvironment): ResolvedService[] {
  return environment.services.filter((service) => (service.input.ports ?? []).length > 0);
}

export function serviceLabel(service: ResolvedService): string {
  return label(service.name);
}
