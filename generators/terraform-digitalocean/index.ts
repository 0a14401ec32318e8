import { provider } from '../../src/core/hcl/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { requiredVersions, stateBackend, terraformModule, terraformOutput, type TerraformModule } from '../infrastructure-shared/terraform.js';
import type { EnvironmentGenerator } from '../types.js';
import { droplet, kubernetes, vpc } from './compute.js';
import { connectionSecrets, kubernetesProvider, kubernetesProviderVersion, writesKubernetesSecrets } from './connections.js';
import { doContext, spacesRegion } from './context.js';
import { domain, loadBalancer, monitoring } from './edge.js';
import { cdn, stores } from './stores.js';

/** Versions Slipway's DigitalOcean configurations are written for (Valkey clusters need provider 2.53). */
export const digitalOceanVersions = {
  terraform: '~> 1.11.0',
  provider: '2.53.0',
} as const;

/**
 * Terraform for DigitalOcean targets (`terraform/`): the VPC, DOKS or a Compose droplet, managed
 * database clusters, Spaces and its CDN, the Secrets that carry their connections and the `do:`
 * infra secrets into the cluster, the load balancer, the domain, and alert policies.
 */
export const terraformDigitalOceanGenerator: EnvironmentGenerator = {
  name: 'terraform-digitalocean',
  scope: 'environment',
  description: 'Terraform for DigitalOcean: compute, managed stores, load balancer, CDN, DNS',
  appliesTo: (environment) => environment.provider === 'digitalocean',
  generate: (environment) => terraformOutput(environment, digitalOceanTerraform(environment)),
};

export function digitalOceanTerraform(environment: ResolvedEnvironment): TerraformModule {
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
  const connectionBlocks = connectionSecrets(context);
  const writesSecrets = writesKubernetesSecrets(context);
  const versions = requiredVersions(digitalOceanVersions.terraform, {
    digitalocean: { source: 'digitalocean/digitalocean', version: digitalOceanVersions.provider },
    kubernetes: writesSecrets ? { source: 'hashicorp/kubernetes', version: kubernetesProviderVersion } : undefined,
  });
  const backend = stateBackend(
    environment,
    {
      // Spaces speaks S3; the AWS-specific checks do not apply to it.
      region: 'us-east-1',
      endpoints: { s3: `https://${spacesRegion(context)}.digitaloceanspaces.com` },
      skip_credentials_validation: true,
      skip_region_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_s3_checksum: true,
    },
    [
      'State in a Spaces bucket, one key per environment.',
      'The bucket and its keys are yours: terraform init -backend-config="bucket=<state bucket>" with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY set to a Spaces key.',
    ],
  );
  return terraformModule(
    environment,
    [
      { name: 'versions.tf', blocks: [versions] },
      { name: 'backend.tf', blocks: [backend] },
      { name: 'providers.tf', blocks: [provider('digitalocean', {}), ...(writesSecrets ? [kubernetesProvider()] : [])] },
      { name: 'variables.tf', blocks: context.variables },
      { name: 'network.tf', blocks: networkBlocks },
      computeFile,
      { name: 'stores.tf', blocks: storeBlocks },
      { name: 'load-balancer.tf', blocks: balancerBlocks },
      { name: 'dns.tf', blocks: domainBlocks },
      { name: 'cdn.tf', blocks: cdnBlocks },
      { name: 'connections.tf', blocks: connectionBlocks },
      { name: 'monitoring.tf', blocks: monitoringBlocks },
      { name: 'outputs.tf', blocks: context.outputs },
    ],
    host?.userData,
  );
}
