import type { Diagnostic } from '../../src/core/diagnostics.js';
import { findingAt, type ResolvedEnvironment } from '../../src/model/index.js';
import { chartReleases } from '../helm-values/index.js';
import { aiGatewayName } from '../helm-values/values.js';
import { secretsDotenvFindings, unsupportedVersionFindings } from '../infrastructure-shared/checks.js';
import { embeddedChartProblem } from './embedded.js';
import { clusterUrl } from './repository.js';

/** What would stop the k8s/ folder of a target from rendering, each at the input that causes it. */
export function kubernetesFindings(environment: ResolvedEnvironment): Diagnostic[] {
  return [
    ...unsupportedVersionFindings(environment, embeddedChartProblem),
    ...releaseNameFindings(environment),
    ...deployRepositoryFindings(environment),
    ...secretsDotenvFindings(environment, 'Kubernetes'),
  ];
}

/** An embedded resource is a Helm release too, so it cannot share its name with a service or the AI gateway. */
function releaseNameFindings(environment: ResolvedEnvironment): Diagnostic[] {
  const releases = new Set(chartReleases(environment).map((release) => release.name));
  return environment.resources
    .filter((resource) => !resource.managed && releases.has(resource.name))
    .map((resource) => {
      const other = resource.name === aiGatewayName && environment.infrastructure.aiGateway ? 'the private AI gateway' : `the service "${resource.name}"`;
      return findingAt(
        resource.origin,
        'resource-name-taken',
        `the embedded resource "${resource.name}" of "${environment.name}" and ${other} would be one Kubernetes release; rename the resource, or set resources.${resource.name}.managed: true in that environment`,
        { under: ['name'] },
      );
    });
}

/** Flux and Argo CD pull from the cluster, so the deploy repository must be an address the cluster can reach. */
function deployRepositoryFindings(environment: ResolvedEnvironment): Diagnostic[] {
  const { repository, origin } = environment.infrastructure.deploy;
  if (repository === undefined || clusterUrl(repository, environment.reconciler === 'argocd' ? 'argocd' : 'flux') !== undefined) return [];
  // The same setting for every target: one message, so the reports of several targets collapse into one.
  const message = `the deploy repository ${JSON.stringify(repository)} cannot be reached from a cluster; set deployRepo to an https://, ssh://, user@host:path or github:OWNER/REPO address that Flux and Argo CD can pull`;
  return [findingAt(origin ?? environment.origin, 'unreachable-deploy-repo', message)];
}
