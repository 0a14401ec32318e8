import type { ResolvedEnvironment } from '../../src/model/index.js';
import type { RunbookSubject } from './rendered.js';
import { serviceFile } from './actions-application.js';
import type { PlanAction } from './plan.js';
import { healthCheck, listed, paths, usesAnsible, usesBundle, usesTerraform, composeFileArguments } from './vocabulary.js';

/** Step 8: every service's own check, the runtime's view of them all, and the public endpoint. */
export function runHealthChecks(environment: RunbookSubject): PlanAction[] {
  const infra = environment.infrastructure;
  const how = { kubernetes: 'as readiness and liveness probes', ecs: 'as the container health check', compose: 'as the Compose healthcheck; dependants wait for service_healthy' }[environment.runtime];
  const actions: PlanAction[] = environment.services.map((service) => {
    const health = service.health;
    if (!health) return { description: `${service.name}: no health check declared; only its process state is watched` };
    const check = 'command' in health ? 'its check command, inside the container' : healthCheck(service);
    return {
      description: `${service.name}: ${check}, ${how}`,
      ...(health && 'command' in health ? { command: [...health.command] } : {}),
      files: [serviceFile(service, environment)],
    };
  });

  if (environment.runtime === 'kubernetes') {
    actions.push({ description: `Every pod of namespace ${infra.namespace} becomes Ready`, command: ['kubectl', '--namespace', infra.namespace, 'wait', '--for=condition=Ready', 'pods', '--all', '--timeout=10m'] });
  } else if (environment.runtime === 'ecs') {
    actions.push({
      description: `Every ECS service of cluster ${infra.namespace} reaches a steady state`,
      command: ['aws', 'ecs', 'wait', 'services-stable', '--cluster', infra.namespace, '--services', ...environment.services.map((service) => service.name), ...(infra.region ? ['--region', infra.region] : [])],
    });
  } else {
    actions.push({ description: `On the host: every container of the Compose project ${infra.namespace} is running and healthy`, command: ['docker', 'compose', ...composeFileArguments(environment), '--project-name', infra.namespace, 'ps', '--all'], files: [paths.compose] });
  }

  for (const endpoint of publicHttpChecks(environment)) actions.push(endpoint);

  const { observability } = infra;
  const alerts = environment.services.reduce((count, service) => count + service.monitoring.alerts.length, 0);
  actions.push({
    description: `From now on: logs to ${observability.logs}, metrics to ${observability.metrics}${observability.alerting ? `, ${alerts} alert ${alerts === 1 ? 'rule' : 'rules'} routed to ${observability.alerting.receiver} (${observability.alerting.ref})` : ', no alert receiver'}`,
  });
  return actions;
}

function publicHttpChecks(environment: RunbookSubject): PlanAction[] {
  const domain = environment.infrastructure.dns.domain;
  const scheme = environment.infrastructure.dns.certificate === 'none' ? 'http' : 'https';
  return environment.infrastructure.publicEndpoints.flatMap((endpoint): PlanAction[] => {
    const service = environment.services.find((s) => s.name === endpoint.service);
    const health = service?.health;
    if (!health || !('path' in health) || health.port !== endpoint.port) return [];
    if (!domain) return [{ description: `${endpoint.service}: ${health.path} answers through the load balancer's address (no domain set)` }];
    const url = `${scheme}://${domain}${health.path}`;
    return [{ description: `From outside: ${url} answers through the public endpoint`, command: ['curl', '--fail', '--silent', '--show-error', '--max-time', '10', url] }];
  });
}

/** Step 9: nothing but signed releases through the one channel changes the target from now on. */
export function lockInstaller(environment: RunbookSubject): PlanAction[] {
  const { deploy, namespace } = environment.infrastructure;
  const keys = environment.trustedKeys.map((key) => key.keyId);
  const actions: PlanAction[] = [
    { description: `Only releases signed by ${keys.length === 0 ? 'the release-signing key' : `key ${listed(keys)}`} are accepted from now on`, files: [paths.manifest, paths.signature] },
  ];
  if (usesBundle(environment)) {
    actions.push({ description: 'install.sh is not run again on this host: later releases arrive only as signed bundles, applied by update.sh', files: [paths.bundle(environment)] });
  }
  if (environment.runtime === 'kubernetes') {
    const reconciler = environment.reconciler === 'argocd' ? 'Argo CD (self-heal)' : 'Flux (drift correction)';
    actions.push({
      description: `${reconciler} is the only writer of namespace ${namespace}, from ${deploy.repository ?? 'the deploy repository'} ${deploy.branch}:${deploy.path}; remove human write access to it`,
      files: [paths.kustomization],
    });
  }
  if (usesTerraform(environment)) {
    actions.push({ description: `Terraform state stays locked in its backend; infrastructure changes only through ${paths.terraform} of this folder`, files: [paths.terraform] });
  }
  if (usesAnsible(environment)) {
    actions.push({ description: `No manual changes on the hosts: re-running ${paths.playbook} restores them`, files: [paths.playbook] });
  }
  if (environment.tier === 'production' && environment.resources.some((resource) => resource.managed)) {
    actions.push({ description: 'Managed stores keep deletion protection: removing one takes a reviewed change, never a side effect' });
  }
  return actions;
}

/** Step 10: what was provisioned, identified by the signed manifest, kept where it can be audited. */
export function recordAuditEvent(environment: RunbookSubject): PlanAction[] {
  const agents = environment.services.filter((service) => service.role === 'agent').map((service) => service.name);
  const actions: PlanAction[] = [
    {
      description: `Record the sha256 of the signed manifest: ${environment.name}, release ${environment.release.version}, ${environment.mode}/${environment.tier} on ${environment.provider}/${environment.runtime}`,
      command: ['sha256sum', paths.manifest],
      files: [paths.manifest, paths.signature],
    },
    { description: 'The deploy repository commit that published it is the audit record: who, when, which source commit', command: ['git', 'log', '-1', '--format=%H %cI %an', '--', paths.manifest], files: [paths.manifest] },
  ];
  if (agents.length > 0) actions.push({ description: `${listed(agents)} report the installed release and license to their servers` });
  return actions;
}
