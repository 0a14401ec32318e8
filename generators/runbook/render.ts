import type { ResolvedEnvironment } from '../../src/model/index.js';
import type { RunbookSubject } from './rendered.js';
import { oncePerObject } from '../../src/core/once-per-object.js';
import { shellLine, template } from '../../src/core/templates.js';
import { verifySignature } from './actions-application.js';
import { commitVerification } from './actions-commits.js';
import { mermaidFlowchart } from './graph.js';
import type { ProvisioningPlan } from './plan.js';
import {
  hasSecretsFile,
  healthCheck,
  licenseSummary,
  listed,
  paths,
  platformName,
  replicas,
  resourceDetails,
  secretStore,
  usesAnsible,
  usesBundle,
  usesTerraform,
} from './vocabulary.js';

/** plan.md and the README show the same graph: drawn once per plan. */
const flowchartOf = oncePerObject((plan: ProvisioningPlan) => mermaidFlowchart(plan.graph));

/** plan.md: the runbook for people. Every key the template reads is present (Handlebars runs in strict mode). */
export function planMarkdown(plan: ProvisioningPlan): string {
  return template('generators/runbook/plan.md.hbs')({
    plan,
    blockReasons: plan.blockReasons ?? [],
    steps: plan.steps.map((step) => ({
      ...step,
      actions: step.actions.map((action) => ({ description: action.description, command: action.command ?? null, files: action.files ?? [] })),
    })),
    mermaid: flowchartOf(plan),
  });
}

/** The per-environment README: what this target is, what runs on it, and how to check its release. */
export function environmentReadme(environment: RunbookSubject, plan: ProvisioningPlan): string {
  const infra = environment.infrastructure;
  const key = environment.trustedKeys;
  return template('generators/runbook/README.md.hbs')({
    name: environment.name,
    description: environment.description ?? null,
    facts: [
      ['Mode', environment.mode],
      ['Tier', environment.tier],
      ['Provider', environment.provider],
      ['Runtime', `${environment.runtime}${environment.runtimeVersion.declared ? ` ${environment.runtimeVersion.declared}` : ''}`],
      ['Runs on', platformName(environment)],
      ['Region', infra.region ?? 'not set'],
      ['Release', environment.release.version],
      ['Reconciler', environment.runtime === 'ecs' ? 'terraform apply (no in-cluster reconciler)' : environment.reconciler],
      ['License', licenseSummary(environment)],
      ['Domain', infra.dns.domain ?? 'none'],
      ['Network', `${infra.network.dedicated ? 'dedicated VPC' : 'VPC'} ${infra.network.cidr}`],
    ].map(([label, value]) => ({ label, value })),
    services: environment.services.map((service) => ({
      name: service.name,
      role: service.role,
      image: service.image ?? 'not in the release',
      replicas: replicas(service),
      strategy: service.strategy,
      dependsOn: listed([...service.dependsOn, ...service.usesResources], '-'),
      health: healthCheck(service) ?? 'none',
      description: service.description ?? '',
    })),
    resources: environment.resources.map((resource) => ({
      name: resource.name,
      type: `${resource.type}${resource.version ? ` ${resource.version}` : ''}`,
      kind: resource.managed ? 'managed' : 'embedded',
      details: resourceDetails(resource, environment),
      usedBy: listed(resource.usedBy),
    })),
    endpoints: infra.publicEndpoints.map((endpoint) => `${endpoint.service} port ${endpoint.port} (${endpoint.number})`),
    edge: [
      infra.loadBalancer ? `Load balancer: ${{ alb: 'Application Load Balancer', digitalocean: 'DigitalOcean load balancer', nginx: 'nginx on the host' }[infra.loadBalancer.kind]}` : undefined,
      infra.cdn.enabled ? `CDN: ${infra.cdn.waf ? 'CloudFront with AWS WAF' : 'enabled'}` : undefined,
      infra.dns.domain ? `DNS: ${infra.dns.domain} (${infra.dns.zone}), certificate: ${infra.dns.certificate}` : undefined,
    ].filter((line): line is string => line !== undefined),
    backups: infra.backups ? `Schedule "${infra.backups.schedule}", kept ${infra.backups.retentionDays} days` : null,
    settings: settings(environment),
    generatedSecrets: environment.secrets.generated.map((secret) => secret.name),
    infraSecrets: environment.secrets.infra.map((secret) => ({ name: secret.name, store: secretStore(secret.reference) })),
    folders: outputFolders(environment),
    steps: plan.steps.map((step) => ({ number: step.number, title: step.title })),
    mermaid: flowchartOf(plan),
    connections: plan.connections,
    keys: key.map((trusted) => ({ keyId: trusted.keyId, path: trusted.path })),
    verify: verifySignature(environment).map((action) => action.command ?? []),
    commits: commitVerification(environment).map((action) => ({ description: action.description, command: action.command ? shellLine(action.command) : null })),
  });
}

/** Observability and the mode-specific settings (enterprise, white-label), one line each. */
function settings(environment: RunbookSubject): string[] {
  const infra = environment.infrastructure;
  const { logs, metrics, alerting } = infra.observability;
  const brand = infra.whiteLabel?.brand;
  const billing = infra.whiteLabel?.billing;
  return [
    `Logs: ${logs}; metrics: ${metrics}; alerts: ${alerting ? `${alerting.receiver} (${alerting.ref})` : 'no receiver'}`,
    infra.compute.gpuServices.length > 0 ? `GPU: ${listed(infra.compute.gpuServices)}` : undefined,
    infra.sso ? `Single sign-on: ${infra.sso.protocol.toUpperCase()}${infra.sso.metadataUrl ? `, metadata ${infra.sso.metadataUrl}` : ''}${infra.sso.issuer ? `, issuer ${infra.sso.issuer}` : ''}` : undefined,
    infra.aiGateway ? `Private AI gateway: ${infra.aiGateway.image}, inside the VPC` : undefined,
    infra.privateStorage ? 'Object storage is private: no public bucket' : undefined,
    brand ? `Brand: ${brand.name}${brand.primaryColor ? `, colour ${brand.primaryColor}` : ''}${brand.logoUrl ? `, logo ${brand.logoUrl}` : ''}` : undefined,
    billing ? `Billing: ${billing.isolated ? 'isolated' : 'shared account'}${billing.accountRef ? `, account ${billing.accountRef}` : ''}` : undefined,
  ].filter((line): line is string => line !== undefined);
}

function outputFolders(environment: RunbookSubject): Array<{ path: string; what: string }> {
  const folders = environment.rendered.entries.map(({ path, generator }) => ({ path, what: contents(environment, generator) }));
  folders.push({ path: 'plan.md', what: 'the provisioning runbook (plan.json for machines)' });
  folders.push({ path: paths.manifest, what: 'the signed manifest of every file here (release.json.sig)' });
  return folders;
}

/** What a generator's files hold for this target, in the README's words; its own description otherwise. */
function contents(environment: RunbookSubject, generator: { name: string; description: string }): string {
  switch (generator.name) {
    case 'compose':
      return 'the Compose project';
    case 'helm-values':
      return 'Helm values, one file per service';
    case 'kubernetes':
      return `namespace, ${environment.reconciler === 'argocd' ? 'Argo CD Application' : 'Flux HelmReleases'}, ${environment.addons.length > 0 ? `add-on charts (${environment.addons.map((addon) => `${addon.chart} ${addon.version}`).join(', ')}), ` : ''}encrypted secrets, monitoring`;
    case 'terraform-aws':
    case 'terraform-digitalocean':
      return environment.runtime === 'ecs' ? 'the cluster, ECS services and task definitions, managed stores, network' : 'compute, managed stores, network, DNS';
    case 'ansible':
      return 'inventory and playbook that install the Compose runtime';
    case 'secrets':
      return 'generated secrets, SOPS/age-encrypted';
    case 'bundle':
      return 'the signed install/update bundle';
    default:
      return generator.description;
  }
}
