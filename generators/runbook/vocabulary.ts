import type { ResolvedEnvironment, ResolvedResource, ResolvedService } from '../../src/model/index.js';
import { BugError } from '../../src/core/errors.js';
import type { RunbookSubject } from './rendered.js';

/**
 * Where things live in `environments/<env>/` (SPEC §3) and how the runbook names what the model
 * holds. Whether a file is there at all comes from the files the generators rendered.
 */
export const paths = {
  terraform: 'terraform/',
  inventory: 'ansible/inventory.yml',
  playbook: 'ansible/playbook.yml',
  kustomization: 'k8s/kustomization.yaml',
  /** The Kubernetes generator keeps the still-encrypted secrets in this folder (a SOPS dotenv file). */
  k8s: 'k8s/',
  compose: 'compose/docker-compose.yml',
  composeOverride: 'compose/docker-compose.override.yml',
  secrets: 'secrets/secrets.sops.yaml',
  manifest: 'release.json',
  signature: 'release.json.sig',
  helmValues: (service: string) => `helm/${service}.values.yaml`,
  bundle: (environment: RunbookSubject) => {
    if (environment.rendered.bundle === undefined) throw new BugError(`the runbook of ${environment.name} names a bundle that was not rendered`);
    return environment.rendered.bundle;
  },
} as const;

// Which folders exist is read off what the generators rendered, never decided again here.
export const usesTerraform = (environment: RunbookSubject) => environment.rendered.hasFolder(paths.terraform);
export const usesAnsible = (environment: RunbookSubject) => environment.rendered.has(paths.playbook);
export const usesBundle = (environment: RunbookSubject) => environment.rendered.bundle !== undefined;
export const hasSecretsFile = (environment: RunbookSubject) => environment.rendered.has(paths.secrets);

/** The file that runs what sits beside the services (embedded stores, the AI gateway): the Compose file, the kustomization, or the Terraform folder. */
export function runtimeFile(environment: RunbookSubject): string {
  if (environment.runtime === 'compose') return paths.compose;
  if (environment.runtime === 'kubernetes') return paths.kustomization;
  return paths.terraform;
}

export function listed(names: readonly string[], none = 'none'): string {
  return names.length === 0 ? none : names.join(', ');
}

export function platformName(environment: ResolvedEnvironment): string {
  const version = environment.runtimeVersion.declared;
  switch (environment.infrastructure.compute.platform) {
    case 'eks':
      return `the Amazon EKS cluster ${environment.infrastructure.namespace}${version ? ` (Kubernetes ${version})` : ''}`;
    case 'doks':
      return `the DigitalOcean Kubernetes cluster ${environment.infrastructure.namespace}${version ? ` (Kubernetes ${version})` : ''}`;
    case 'ecs-fargate':
      return `the Amazon ECS cluster ${environment.infrastructure.namespace} on Fargate`;
    case 'ec2':
      return `an Amazon EC2 host for Docker Compose${version ? ` ${version}` : ''}`;
    case 'droplet':
      return `a DigitalOcean Droplet for Docker Compose${version ? ` ${version}` : ''}`;
    case 'bare-metal':
      return `the hosts of ansible/inventory.yml${environment.infrastructure.region ? ` (${environment.infrastructure.region})` : ''}`;
  }
}

const typeNames: Record<ResolvedResource['type'], string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  redis: 'Redis',
  'object-storage': 'S3-compatible object storage',
};

const managedOfferings: Record<'aws' | 'digitalocean', Record<ResolvedResource['type'], string>> = {
  aws: { postgres: 'Amazon RDS for PostgreSQL', mysql: 'Amazon RDS for MySQL', redis: 'Amazon ElastiCache for Redis', 'object-storage': 'an Amazon S3 bucket' },
  digitalocean: {
    postgres: 'DigitalOcean Managed PostgreSQL',
    mysql: 'DigitalOcean Managed MySQL',
    redis: 'DigitalOcean Managed Redis',
    'object-storage': 'a DigitalOcean Spaces bucket',
  },
};

/** "PostgreSQL 16 database" */
export function resourceTitle(resource: ResolvedResource): string {
  return `${typeNames[resource.type]}${resource.version ? ` ${resource.version}` : ''} ${resource.name}`;
}

/** Who runs a resource and how: "Amazon RDS for PostgreSQL, db.r6g.xlarge, highly available, 500Gi". */
export function resourceDetails(resource: ResolvedResource, environment: ResolvedEnvironment): string {
  const where = !resource.managed
    ? embeddedWhere(environment)
    : environment.provider === 'bare-metal'
      ? 'managed outside this target'
      : managedOfferings[environment.provider][resource.type];
  const details = [
    where,
    resource.class,
    resource.highAvailability ? 'highly available' : undefined,
    resource.storage ? `${resource.storage} storage` : undefined,
    resource.type === 'object-storage' && environment.infrastructure.privateStorage ? 'private: no public access' : undefined,
  ];
  return details.filter((detail) => detail !== undefined).join(', ');
}

function embeddedWhere(environment: ResolvedEnvironment): string {
  if (environment.runtime === 'compose') return `a container of ${paths.compose} with a named volume`;
  if (environment.runtime === 'kubernetes') return `runs in namespace ${environment.infrastructure.namespace} beside the services`;
  return 'runs beside the services';
}

/** "AWS Secrets Manager arn:…" — where an infrastructure secret is kept, never its value. */
export function secretStore(reference: string | undefined): string {
  if (reference === undefined) return 'no reference set';
  if (reference.startsWith('arn:aws:secretsmanager:')) return `AWS Secrets Manager ${reference}`;
  if (reference.startsWith('vault:')) return `HashiCorp Vault ${reference.slice('vault:'.length)}`;
  if (reference.startsWith('do:')) return `DigitalOcean ${reference.slice('do:'.length)}`;
  if (reference.startsWith('env:')) return `the host's environment variable ${reference.slice('env:'.length)}`;
  return reference;
}

export function replicas(service: ResolvedService): string {
  const { min, max, targetCpuPercent } = service.scaling;
  if (min === max) return `${min} ${min === 1 ? 'replica' : 'replicas'}`;
  return `${min}-${max} replicas${targetCpuPercent === undefined ? '' : ` at ${targetCpuPercent}% CPU`}`;
}

/** "HTTP GET /healthz on port http (8080)" or "command license-heartbeat status"; undefined without a check. */
export function healthCheck(service: ResolvedService): string | undefined {
  const health = service.health;
  if (!health) return undefined;
  if ('command' in health) return `command ${health.command.join(' ')}`;
  const port = service.ports.find((p) => p.name === health.port);
  return `HTTP GET ${health.path} on port ${health.port}${port ? ` (${port.port})` : ''}`;
}

/** The license line every document shows: the id, or why there is none. */
export function licenseSummary(environment: ResolvedEnvironment): string {
  const license = environment.license;
  if (license !== undefined) return license;
  if (environment.mode === 'saas') return 'no license: SaaS';
  const billing = environment.infrastructure.whiteLabel?.billing;
  if (environment.mode === 'white-label') {
    return `no license: white-label tenant hosted by us${billing?.accountRef ? `, billed through ${billing.accountRef} (${billing.isolated ? 'isolated billing' : 'shared billing account'})` : ''}`;
  }
  return `no license set for this ${environment.mode} target`;
}

/** `--file` for each Compose file, in the order Compose merges them: the generated file, then the environment's override. */
export function composeFileArguments(environment: ResolvedEnvironment): string[] {
  return ['--file', paths.compose, ...(environment.extras.composeOverride ? ['--file', paths.composeOverride] : [])];
}
