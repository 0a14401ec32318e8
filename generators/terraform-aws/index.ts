import { data, nested, provider, ref, type Block, type ObjectValue } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { addVariable, requiredVersions, stateBackend, terraformModule, terraformOutput, type TerraformModule } from '../infrastructure-shared/terraform.js';
import type { EnvironmentGenerator } from '../types.js';
import { connectionSecrets, podIdentities } from './connections.js';
import { awsContext, type AwsContext } from './context.js';
import { cdn, domain } from './dns.js';
import { ecs } from './ecs.js';
import { loadBalancers } from './edge.js';
import { eks } from './eks.js';
import { host } from './host.js';
import { network } from './network.js';
import { backups, monitoring } from './observability.js';
import { secrets } from './secrets.js';
import { storageKey, stores } from './stores.js';

/** Versions Slipway's AWS configurations are written for and tested against. */
export const awsVersions = {
  terraform: '~> 1.11.0',
  provider: '5.100.0',
} as const;

/**
 * Terraform for AWS targets (`terraform/` in the environment's folder): the network, EKS or ECS or a
 * Compose host, the managed stores and how the services reach them, the load balancer, CDN and
 * WAF, DNS and certificates, Secrets Manager references, CloudWatch and AWS Backup. Each part reads
 * the model only.
 */
export const terraformAwsGenerator: EnvironmentGenerator = {
  name: 'terraform-aws',
  scope: 'environment',
  description: 'Terraform for AWS: compute, network, managed stores, edge, DNS, monitoring',
  appliesTo: (environment) => environment.provider === 'aws',
  generate: (environment) => terraformOutput(environment, awsTerraform(environment)),
};

export function awsTerraform(environment: ResolvedEnvironment): TerraformModule {
  const context = awsContext(environment);
  addVariable(context, 'region', { description: 'AWS region of the environment', type: ref('string'), default: environment.infrastructure.region });
  const platform = environment.infrastructure.compute.platform;
  // Order matters where parts read what earlier ones decided (the services' security group, what to back up).
  const networkBlocks = network(context);
  const secretBlocks = secrets(context);
  const compose = platform === 'ec2' ? host(context) : undefined;
  const computeFile = platform === 'eks' ? { name: 'eks.tf', blocks: eks(context) } : platform === 'ecs-fargate' ? { name: 'ecs.tf', blocks: ecs(context) } : { name: 'host.tf', blocks: compose!.blocks };
  const storeBlocks = [...storageKey(context), ...stores(context)];
  const balancerBlocks = loadBalancers(context);
  const domainBlocks = domain(context);
  const cdnBlocks = cdn(context);
  const monitoringBlocks = monitoring(context);
  const backupBlocks = backups(context);
  const connectionBlocks = [...connectionSecrets(context), ...podIdentities(context)];
  const versions = requiredVersions(awsVersions.terraform, { aws: { source: 'hashicorp/aws', version: awsVersions.provider } });
  const backend = stateBackend(environment, { region: environment.infrastructure.region, encrypt: true, use_lockfile: true }, [
    'State in S3, one key per environment, locked with a lock file beside it.',
    'The bucket is your account\'s: terraform init -backend-config="bucket=<state bucket>"',
  ]);
  return terraformModule(
    environment,
    [
      { name: 'versions.tf', blocks: [versions] },
      { name: 'backend.tf', blocks: [backend] },
      { name: 'providers.tf', blocks: providers(context) },
      { name: 'variables.tf', blocks: context.variables },
      { name: 'network.tf', blocks: networkBlocks },
      computeFile,
      { name: 'stores.tf', blocks: storeBlocks },
      { name: 'load-balancer.tf', blocks: balancerBlocks },
      { name: 'dns.tf', blocks: domainBlocks },
      { name: 'cdn.tf', blocks: cdnBlocks },
      { name: 'secrets.tf', blocks: secretBlocks },
      { name: 'connections.tf', blocks: connectionBlocks },
      { name: 'monitoring.tf', blocks: monitoringBlocks },
      { name: 'backups.tf', blocks: backupBlocks },
      { name: 'outputs.tf', blocks: context.outputs },
    ],
    compose?.userData,
  );
}

function defaultTags(environment: ResolvedEnvironment): ObjectValue {
  const whiteLabel = environment.infrastructure.whiteLabel;
  return {
    'slipway.dev/environment': environment.name,
    'slipway.dev/mode': environment.mode,
    'slipway.dev/tier': environment.tier,
    'slipway.dev/managed-by': 'slipway',
    ...(whiteLabel ? { 'slipway.dev/tenant': environment.name, 'slipway.dev/billing': whiteLabel.billing?.isolated ? 'isolated' : 'shared' } : {}),
  };
}

function providers(context: AwsContext): Block[] {
  const tags = nested({ tags: defaultTags(context.environment) });
  const blocks: Block[] = [provider('aws', { region: ref('var.region'), default_tags: tags })];
  if (context.environment.infrastructure.cdn.enabled) {
    blocks.push(provider('aws', { alias: 'us_east_1', region: 'us-east-1', default_tags: tags }));
  }
  blocks.push(data('aws_caller_identity', 'current', {}));
  return blocks;
}
