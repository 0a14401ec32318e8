import { infraSecretName as infraSecretsName } from '../helm-values/secret-names.js';
import { digitalOceanInfraSecrets } from '../terraform-digitalocean/infra-secrets.js';
import type { PlanAction } from './plan.js';
import type { RunbookSubject } from './rendered.js';
import {
  hasSecretsFile,
  listed,
  paths,
  platformName,
  resourceDetails,
  resourceTitle,
  runtimeFile,
  secretStore,
  usesAnsible,
  usesBundle,
  usesTerraform,
  composeFileArguments,
} from './vocabulary.js';

/** Step 1: the compute, network and managed stores the target runs on. */
export function allocateTarget(environment: RunbookSubject): PlanAction[] {
  const { infrastructure: infra } = environment;
  const actions: PlanAction[] = [];
  const region = infra.region ? ` in ${infra.region}` : '';
  const network = `${infra.network.dedicated ? 'a dedicated VPC' : 'the VPC'} ${infra.network.cidr}`;

  if (usesTerraform(environment)) {
    actions.push({ description: `Initialise Terraform in ${paths.terraform} (providers and state backend)`, command: ['terraform', '-chdir=terraform', 'init'], files: [paths.terraform] });
    actions.push({
      description: `terraform apply in ${paths.terraform} creates ${platformName(environment)}${region}, in ${network}`,
      command: ['terraform', '-chdir=terraform', 'apply'],
      files: [paths.terraform],
    });
    if (infra.compute.gpuServices.length > 0) {
      actions.push({ description: `GPU capacity for ${listed(infra.compute.gpuServices)}`, files: [paths.terraform] });
    }
  }
  if (usesAnsible(environment)) {
    actions.push({ description: `Every host of ${paths.inventory} answers over SSH`, command: ['ansible', 'all', '--inventory', paths.inventory, '--module-name', 'ping'], files: [paths.inventory] });
    actions.push({
      description: `ansible-playbook installs Docker Engine and the Compose plugin${environment.runtimeVersion.declared ? ` ${environment.runtimeVersion.declared}` : ''} on ${platformName(environment)}, with the data folders of the embedded stores`,
      command: ['ansible-playbook', '--inventory', paths.inventory, paths.playbook],
      files: [paths.inventory, paths.playbook],
    });
  }
  if (infra.compute.platform === 'eks') {
    actions.push({ description: `Point kubectl at the new cluster ${infra.namespace}`, command: ['aws', 'eks', 'update-kubeconfig', '--name', infra.namespace, ...(infra.region ? ['--region', infra.region] : [])] });
  }
  if (infra.compute.platform === 'doks') {
    actions.push({ description: `Point kubectl at the new cluster ${infra.namespace}`, command: ['doctl', 'kubernetes', 'cluster', 'kubeconfig', 'save', infra.namespace] });
  }

  for (const resource of environment.resources) {
    const created = resource.managed && usesTerraform(environment) ? ', created by terraform apply' : '';
    actions.push({
      description: `${resource.managed ? 'Managed' : 'Embedded'} ${resourceTitle(resource)}: ${resourceDetails(resource, environment)}${created}; used by ${listed(resource.usedBy)}`,
      ...(resource.managed && usesTerraform(environment) ? { files: [paths.terraform] } : resource.managed ? {} : { files: [runtimeFile(environment)] }),
    });
  }

  if (infra.loadBalancer) {
    const endpoints = infra.publicEndpoints.map((endpoint) => `${endpoint.service}:${endpoint.number}`);
    const balancer = { alb: 'an Application Load Balancer', digitalocean: 'a DigitalOcean load balancer', nginx: `nginx of ${paths.compose} on the host` }[infra.loadBalancer.kind];
    const cdn = infra.cdn.enabled ? (infra.cdn.waf ? ', behind CloudFront with AWS WAF' : ', behind the CDN') : '';
    actions.push({ description: `Public traffic reaches ${listed(endpoints)} through ${balancer}${cdn}`, files: [infra.loadBalancer.kind === 'nginx' ? paths.compose : paths.terraform] });
  } else {
    actions.push({ description: 'No service exposes a public port: nothing faces the internet' });
  }
  if (infra.dns.domain) {
    const zone = { route53: 'Route 53 records', digitalocean: 'DigitalOcean DNS records', external: 'an external DNS record (not managed here) pointing at the load balancer' }[infra.dns.zone];
    const certificate = { acm: 'an ACM certificate', 'cert-manager': 'cert-manager (Let\'s Encrypt)', 'lets-encrypt': "Let's Encrypt", none: 'no certificate' }[infra.dns.certificate];
    actions.push({ description: `${infra.dns.domain}: ${zone}; TLS from ${certificate}`, ...(infra.dns.zone === 'external' ? {} : { files: [paths.terraform] }) });
  }
  return actions;
}

/** Step 2: the runtime is there, at the version the target policy accepted, before anything lands on it. */
export function validateRuntime(environment: RunbookSubject): PlanAction[] {
  const version = environment.runtimeVersion.declared;
  const namespace = environment.infrastructure.namespace;
  switch (environment.runtime) {
    case 'kubernetes':
      return [
        { description: `The API server reports Kubernetes ${version ?? 'at the target policy\'s minimum'} or later`, command: ['kubectl', 'version', '--output=json'] },
        environment.reconciler === 'argocd'
          ? { description: 'Argo CD is installed and its server is rolled out', command: ['kubectl', '--namespace', 'argocd', 'rollout', 'status', 'deployment/argocd-server'] }
          : { description: 'The Flux controllers (source, kustomize, helm) are installed and healthy', command: ['flux', 'check'] },
        { description: `The kustomization of ${paths.kustomization} builds`, command: ['kubectl', 'kustomize', 'k8s'], files: [paths.kustomization] },
        ...externalSecretsOperator(environment),
      ];
    case 'ecs':
      return [
        {
          description: `The ECS cluster ${namespace} is ACTIVE with Fargate capacity`,
          command: ['aws', 'ecs', 'describe-clusters', '--clusters', namespace, ...(environment.infrastructure.region ? ['--region', environment.infrastructure.region] : [])],
        },
        { description: 'The Terraform configuration is valid', command: ['terraform', '-chdir=terraform', 'validate'], files: [paths.terraform] },
      ];
    case 'compose':
      return [
        { description: `On the host: Docker Compose ${version ?? 'at the target policy\'s minimum'} or later`, command: ['docker', 'compose', 'version', '--short'] },
        { description: `The Compose file is valid for this Docker Compose`, command: ['docker', 'compose', ...composeFileArguments(environment), 'config', '--quiet'], files: [paths.compose] },
      ];
  }
}

/** The External Secrets Operator, once per cluster, where k8s/ holds ExternalSecrets for it to fill. */
function externalSecretsOperator(environment: RunbookSubject): PlanAction[] {
  if (!hasExternalSecrets(environment)) return [];
  return [
    {
      description: 'The External Secrets Operator (external-secrets.io/v1) is installed once per cluster: it fills the Secrets that k8s/ declares as ExternalSecrets',
      command: ['kubectl', 'get', 'crd', 'externalsecrets.external-secrets.io', 'secretstores.external-secrets.io'],
    },
  ];
}

function hasExternalSecrets(environment: RunbookSubject): boolean {
  return environment.rendered.paths.some((path) => path.startsWith('k8s/externalsecret-'));
}

/** Step 3: generated secrets from the SOPS file, infrastructure secrets by reference; no value is ever in the plan. */
export function injectSecrets(environment: RunbookSubject): PlanAction[] {
  const { generated, infra, recipients } = environment.secrets;
  const actions: PlanAction[] = [];
  if (generated.length > 0 && hasSecretsFile(environment)) {
    actions.push({
      description: `${generated.length} generated secrets (${listed(generated.map((secret) => secret.name))}) stay SOPS/age-encrypted in ${paths.secrets}, readable by ${recipients.length} age ${recipients.length === 1 ? 'recipient' : 'recipients'}; the file must report itself encrypted`,
      command: ['sops', 'filestatus', paths.secrets],
      files: [paths.secrets],
    });
    actions.push(secretsDelivery(environment));
  } else if (generated.length > 0) {
    actions.push({ description: `Generated secrets ${listed(generated.map((secret) => secret.name))} have no secrets file yet: slipway secrets sync --env ${environment.name} creates it` });
  }
  // The sensitive variables the DigitalOcean Terraform declares for the `do:` secrets it writes into the cluster.
  const terraformVariables = new Map((usesTerraform(environment) ? digitalOceanInfraSecrets(environment) : []).map((secret) => [secret.name, secret.variable]));
  for (const secret of infra) actions.push(infraSecretDelivery(environment, secret, terraformVariables.get(secret.name)));
  if (actions.length === 0) actions.push({ description: 'The deployed services declare no secrets' });
  return actions;
}

/** How one infrastructure-held secret reaches the services on this target; never its value. */
function infraSecretDelivery(environment: RunbookSubject, secret: RunbookSubject['secrets']['infra'][number], terraformVariable: string | undefined): PlanAction {
  const who = `${secret.name} for ${listed(secret.services)}`;
  const externalSecret = `k8s/externalsecret-${infraSecretsName}.yaml`;
  if (environment.runtime === 'kubernetes' && environment.rendered.has(externalSecret)) {
    return {
      description: `${who}: the ExternalSecret ${infraSecretsName} brings it from ${secretStore(secret.reference)} into the Secret ${infraSecretsName} of namespace ${environment.infrastructure.namespace}; never copied into the deploy repository`,
      files: [externalSecret],
    };
  }
  if (terraformVariable !== undefined) {
    return {
      description: `${who}: set TF_VAR_${terraformVariable} to the value kept at ${secretStore(secret.reference)} before terraform apply, which writes it into the Secret ${infraSecretsName} of namespace ${environment.infrastructure.namespace}; the value stays in the Terraform state, never in the deploy repository`,
      files: [paths.terraform],
    };
  }
  return { description: `${who}: read from ${secretStore(secret.reference)} at runtime, never copied into the deploy repository` };
}

function secretsDelivery(environment: RunbookSubject): PlanAction {
  const namespace = environment.infrastructure.namespace;
  if (environment.runtime === 'kubernetes') {
    const controllerNamespace = environment.reconciler === 'argocd' ? 'argocd' : 'flux-system';
    const who = environment.reconciler === 'argocd' ? "Argo CD's repo server" : "Flux's kustomize-controller";
    return {
      description: `${who} decrypts the SOPS-encrypted secrets of ${paths.k8s} into Secrets of namespace ${namespace} with the cluster's age identity, kept in Secret sops-age of ${controllerNamespace} (once per cluster)`,
      command: ['kubectl', '--namespace', controllerNamespace, 'create', 'secret', 'generic', 'sops-age', '--from-file=age.agekey'],
      files: [paths.k8s],
    };
  }
  if (environment.runtime === 'ecs') {
    return {
      description: `The deploy job decrypts ${paths.secrets} with its age identity (SOPS_AGE_KEY) into AWS Secrets Manager; the ECS task definitions reference the values (valueFrom), never contain them`,
      files: [paths.secrets, paths.terraform],
    };
  }
  const who = usesBundle(environment) ? 'install.sh and update.sh decrypt' : 'At deploy time, sops decrypts';
  return {
    description: `${who} the same values, kept encrypted in compose/ as an env file, on the host with the host's age identity (SOPS_AGE_KEY_FILE); plaintext stays on the host, readable by root only`,
    files: [paths.secrets, 'compose/', ...(usesBundle(environment) ? [paths.bundle(environment)] : [])],
  };
}
