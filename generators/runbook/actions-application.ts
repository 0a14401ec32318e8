import type { ResolvedEnvironment, ResolvedService } from '../../src/model/index.js';
import type { RunbookSubject } from './rendered.js';
import { commitVerification } from './actions-commits.js';
import type { PlanAction } from './plan.js';
import { licenseSummary, listed, paths, replicas, runtimeFile, usesBundle, composeFileArguments } from './vocabulary.js';

/** Step 4: each service's migration command, where it runs, and what the release says about it. */
export function runMigrations(environment: RunbookSubject): PlanAction[] {
  const actions = environment.services.flatMap((service): PlanAction[] => {
    const migrations = service.migrations;
    if (!migrations) return [];
    const declared = environment.release.migrations?.[service.name];
    const version = declared
      ? `; release migration ${declared.version}, ${declared.backwardCompatible ? 'backward compatible' : 'NOT backward compatible: the old version must stop before it runs'}`
      : '';
    const against = databasesOf(service, environment);
    return [{ description: `${service.name}${against ? ` against ${against}` : ''}: ${oneShotRunner(service, environment, 'migration')}${version}`, command: [...migrations.command], files: [serviceFile(service, environment)] }];
  });
  if (actions.length > 0 && usesBundle(environment)) {
    actions.unshift({ description: 'update.sh turns maintenance mode on and backs up the database and volumes before migrating, and restores them if a migration fails', files: [paths.bundle(environment)] });
  } else if (actions.length > 0 && environment.infrastructure.backups) {
    const { schedule, retentionDays } = environment.infrastructure.backups;
    actions.unshift({ description: `Backups run on "${schedule}", kept ${retentionDays} days; take an on-demand snapshot of the databases before a migration that is not backward compatible` });
  }
  return actions.length > 0 ? actions : [{ description: 'No deployed service declares migrations: nothing to run' }];
}

/** Step 5: foundation data, after the migrations, once per install. */
export function seedFoundationData(environment: RunbookSubject): PlanAction[] {
  const actions = environment.services.flatMap((service): PlanAction[] => {
    const seed = service.seed;
    if (!seed) return [];
    const against = databasesOf(service, environment);
    return [{ description: `${service.name}${against ? ` into ${against}` : ''}: ${oneShotRunner(service, environment, 'seed')}`, command: [...seed.command], files: [serviceFile(service, environment)] }];
  });
  return actions.length > 0 ? actions : [{ description: 'No deployed service declares foundation data (seed): nothing to load' }];
}

/** Step 6: the license the target runs under, and the agents that report it. */
export function activateLicense(environment: RunbookSubject): PlanAction[] {
  const license = environment.license;
  const agents = environment.services.filter((service) => service.role === 'agent');
  const actions: PlanAction[] = [];
  if (license !== undefined) {
    actions.push({ description: `Activate license ${license} for ${environment.name} (a revoked license blocks the target at build time)` });
    for (const agent of agents) {
      const health = agent.health;
      actions.push({
        description: `${agent.name}: ${agent.description ?? 'reports the installation to its server'}; its check confirms it runs`,
        ...(health && 'command' in health ? { command: [...health.command] } : {}),
        files: [serviceFile(agent, environment)],
      });
    }
  } else if (environment.mode === 'saas' || environment.mode === 'white-label') {
    actions.push({ description: capitalised(licenseSummary(environment)) });
  } else {
    actions.push({ description: `No license id is set for this ${environment.mode} target: add "license" to environments/${environment.name}.yaml to activate one` });
  }
  return actions;
}

/** Step 7: the signed release and its images, applied the way this runtime applies changes. */
export function bindRelease(environment: RunbookSubject): PlanAction[] {
  const infra = environment.infrastructure;
  const actions: PlanAction[] = [...verifySignature(environment)];
  for (const service of environment.services) {
    actions.push({ description: `${service.name}: ${service.image ?? 'no image in the release'}, ${service.strategy}, ${replicas(service)}`, files: [serviceFile(service, environment)] });
  }
  if (infra.aiGateway) actions.push({ description: `Private AI gateway ${infra.aiGateway.image}, reachable only inside the VPC ${infra.network.cidr}`, files: [runtimeFile(environment)] });
  const brand = infra.whiteLabel?.brand;
  if (brand) actions.push({ description: `Branding: ${brand.name}${brand.primaryColor ? `, colour ${brand.primaryColor}` : ''}${brand.logoUrl ? `, logo ${brand.logoUrl}` : ''}` });
  if (infra.sso) {
    const where = infra.sso.metadataUrl ?? infra.sso.issuer;
    actions.push({ description: `Single sign-on: ${infra.sso.protocol.toUpperCase()}${where ? ` with ${where}` : ''}` });
  }
  actions.push(...applyRelease(environment));
  return actions;
}

export function verifySignature(environment: RunbookSubject): PlanAction[] {
  const key = environment.trustedKeys[0];
  const keyFile = key ? key.path.split('/').pop()! : 'release.pub.pem';
  const keys = environment.trustedKeys.map((trusted) => `${trusted.keyId} (${trusted.path})`);
  return [
    { description: `Decode the signature of ${paths.manifest}`, command: ['openssl', 'base64', '-d', '-A', '-in', paths.signature, '-out', 'release.json.sig.bin'], files: [paths.signature] },
    {
      description: `Check ${paths.manifest} (release ${environment.release.version}, every file's sha256) against the trusted key${keys.length === 1 ? '' : 's'} ${listed(keys, 'of the source repository')}`,
      command: ['openssl', 'pkeyutl', '-verify', '-pubin', '-inkey', keyFile, '-rawin', '-in', paths.manifest, '-sigfile', 'release.json.sig.bin'],
      files: [paths.manifest, paths.signature],
    },
  ];
}

function applyRelease(environment: RunbookSubject): PlanAction[] {
  const { deploy, namespace } = environment.infrastructure;
  const source = `${deploy.repository ?? 'the deploy repository'}, branch ${deploy.branch}, path ${deploy.path}`;
  if (environment.runtime === 'kubernetes') {
    const reconciler = environment.reconciler === 'argocd' ? 'the Argo CD Application' : 'the Flux HelmReleases';
    return [
      {
        description: `Apply the namespace ${namespace} and ${reconciler} once; from then on ${environment.reconciler === 'argocd' ? 'Argo CD' : 'Flux'} pulls ${source}`,
        command: ['kubectl', 'apply', '--kustomize', 'k8s'],
        files: [paths.kustomization, ...environment.services.map((service) => paths.helmValues(service.name))],
      },
      ...commitVerification(environment),
    ];
  }
  if (environment.runtime === 'ecs') {
    const byStrategy = (strategy: string) => environment.services.filter((service) => service.strategy === strategy).map((service) => service.name);
    const rolling = byStrategy('rolling');
    const blueGreen = byStrategy('blue-green');
    return [
      {
        description: `terraform apply registers task definitions with the release images and rolls the ECS services: ${[
          rolling.length > 0 ? `rolling with the deployment circuit breaker (automatic rollback) for ${listed(rolling)}` : '',
          blueGreen.length > 0 ? `blue-green through CodeDeploy for ${listed(blueGreen)}` : '',
        ]
          .filter(Boolean)
          .join('; ')}`,
        command: ['terraform', '-chdir=terraform', 'apply'],
        files: [paths.terraform],
      },
    ];
  }
  const blueGreen = environment.services.filter((service) => service.strategy === 'blue-green').map((service) => service.name);
  const note = blueGreen.length > 0 ? `; blue-green asked for ${listed(blueGreen)}: Compose has none, the health-gated rollback stands in` : '';
  if (usesBundle(environment)) {
    return [
      { description: `Copy ${paths.bundle(environment)} with release.json and release.json.sig to the host and unpack the bundle`, command: ['unzip', paths.bundle(environment), '-d', 'bundle'], files: [paths.bundle(environment), 'release.json', 'release.json.sig'] },
      {
        description: `First install, with SOPS_AGE_KEY_FILE set to the host's age identity: install.sh verifies the signature and every file, decrypts the secrets and starts the Compose project ${namespace}${note}`,
        command: ['bash', 'bundle/install.sh', '--manifest', 'release.json', '--signature', 'release.json.sig', '--zip', paths.bundle(environment)],
        files: [paths.bundle(environment)],
      },
      {
        description: `Every later release: the update client fetches the signed release and the INSTALLED update.sh applies it (signature against the installed keys, maintenance mode, backup, apply, migrate, health checks; on failure restore and return to the retained previous bundle)`,
        command: [`/opt/slipway/${namespace}/current/update.sh`, 'release.json', 'release.json.sig', paths.bundle(environment)],
        files: [paths.bundle(environment)],
      },
    ];
  }
  return [
    {
      description: `On the host: start the Compose project ${namespace} with the release images and wait for it${note}`,
      command: ['docker', 'compose', ...composeFileArguments(environment), '--project-name', namespace, 'up', '--detach', '--wait'],
      files: [paths.compose],
    },
  ];
}

/** The one-shot runner of a migration or seed command on this runtime; seeds always run after migrations. */
function oneShotRunner(service: ResolvedService, environment: RunbookSubject, kind: 'migration' | 'seed'): string {
  const image = service.image ?? service.imageRepository;
  const after = kind === 'seed' ? ' after the migrations' : '';
  if (environment.runtime === 'kubernetes') {
    return kind === 'migration'
      ? `a Helm pre-install/pre-upgrade hook Job runs it in ${image} before the new pods start`
      : `a Helm post-install hook Job runs it in ${image}${after}`;
  }
  if (environment.runtime === 'ecs') return `a one-off Fargate task of ${service.name}'s task definition runs it in ${image}${after} (aws ecs run-task with this command), before the services roll`;
  return `the one-shot ${kind} service of ${paths.compose} runs it in ${image}${after}; the app services wait for it (service_completed_successfully)`;
}

function databasesOf(service: ResolvedService, environment: RunbookSubject): string {
  const databases = environment.resources.filter((resource) => service.usesResources.includes(resource.name) && (resource.type === 'postgres' || resource.type === 'mysql'));
  return databases.map((resource) => `${resource.name} (${resource.type}, ${resource.managed ? 'managed' : 'embedded'})`).join(', ');
}

/** The rendered file that describes how this service runs. */
export function serviceFile(service: ResolvedService, environment: RunbookSubject): string {
  if (environment.runtime === 'kubernetes') return paths.helmValues(service.name);
  if (environment.runtime === 'ecs') return paths.terraform;
  return paths.compose;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
