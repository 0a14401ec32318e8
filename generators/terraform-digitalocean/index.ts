import { labeled, nested, provider, terraform, type Block } from '../../src/hcl/index.js';
import type { EnvironmentGenerator, OutputFile } from '../types.js';
import type { ResolvedEnvironment } from '../../src/resolve/index.js';
import { composeHostUserData, userDataFile } from '../terraform-aws/cloud-init.js';
import { terraformFiles, type TerraformFile } from '../terraform-aws/shared.js';
import { droplet, kubernetes, vpc } from './compute.js';
import { doContext, spacesRegion, type DoContext } from './context.js';
import { domain, loadBalancer, monitoring } from './edge.js';
import { cdn, stores } from './stores.js';

/** Versions Slipway's DigitalOcean configurations are written for (Valkey clusters need provider 2.53). */
export const digitalOceanVersions = {
  terraform: '~> 1.11.0',
  provider: '2.53.0',
} as const;

/**
 * Terraform for DigitalOcean targets (`terraform/`): the VPC, DOKS or a Compose droplet, managed
 * database clusters, Spaces and its CDN, the load balancer, the domain, and alert policies.
 */
export const terraformDigitalOceanGenerator: EnvironmentGenerator = {
  name: 'terraform-digitalocean',
  scope: 'environment',
  appliesTo: (environment) => environment.provider === 'digitalocean',
  generate: (environment) => {
    const module = digitalOceanTerraform(environment);
    return [...module.extra, ...terraformFiles(environment, module.files)];
  },
};

/** The configuration as HCL syntax trees (what the tests parse back and check), plus the files beside it. */
export function digitalOceanTerraform(environment: ResolvedEnvironment): { files: TerraformFile[]; extra: OutputFile[] } {
  const context = doContext(environment);
  const doks = environment.infrastructure.compute.platform === 'doks';
  const networkBlocks = vpc(context);
  const host = doks ? undefined : droplet(context);
  const computeFile = doks ? { name: 'kubernetes.tf', blocks: kubernetes(context) } : { name: 'droplet.tf', blocks: host!.blocks };
  const storeBlocks = stores(context);
  const balancerBlocks = loadBalancer(context);
  const domainBlocks = domain(context);
  const cdnBlocks = cdn(context);
  const monitoringBlocks = monitoring(context);
  const extra = host ? [{ path: `terraform/${userDataFile}`, bytes: composeHostUserData(environment, host.userData) }] : [];
  const files: TerraformFile[] = [
      { name: 'versions.tf', blocks: [versions()] },
      { name: 'backend.tf', blocks: [backend(context)] },
      { name: 'providers.tf', blocks: [providerBlock()] },
      { name: 'variables.tf', blocks: context.variables },
      { name: 'network.tf', blocks: networkBlocks },
      computeFile,
      { name: 'stores.tf', blocks: storeBlocks },
      { name: 'load-balancer.tf', blocks: balancerBlocks },
      { name: 'dns.tf', blocks: domainBlocks },
      { name: 'cdn.tf', blocks: cdnBlocks },
      { name: 'monitoring.tf', blocks: monitoringBlocks },
      { name: 'outputs.tf', blocks: context.outputs },
  ];
  return { files: files.filter((file) => file.blocks.length > 0), extra };
}

function versions(): Block {
  return terraform(
    {
      required_version: digitalOceanVersions.terraform,
      required_providers: nested({ digitalocean: { source: 'digitalocean/digitalocean', version: digitalOceanVersions.provider } }),
    },
    ['Pinned: a new provider release changes nothing until Slipway moves this pin.'],
  );
}

function backend(context: DoContext): Block {
  return terraform(
    {
      backend: labeled('s3', {
        key: `environments/${context.name}/terraform.tfstate`,
        // Spaces speaks S3; the AWS-specific checks do not apply to it.
        region: 'us-east-1',
        endpoints: { s3: `https://${spacesRegion(context.region)}.digitaloceanspaces.com` },
        skip_credentials_validation: true,
        skip_region_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_s3_checksum: true,
      }),
    },
    [
      'State in a Spaces bucket, one key per environment.',
      'The bucket and its keys are yours: terraform init -backend-config="bucket=<state bucket>" with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY set to a Spaces key.',
    ],
  );
}

function providerBlock(): Block {
  return provider('digitalocean', {});
}
