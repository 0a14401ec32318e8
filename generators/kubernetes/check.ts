import type { Diagnostic } from '../../src/core/diagnostics.js';
import { findingAt, type ResolvedEnvironment } from '../../src/model/index.js';
import { chartReleases } from '../helm-values/index.js';
import { aiGatewayName } from '../helm-values/values.js';
import { secretsDotenvFindings, unsupportedVersionFindings } from '../infrastructure-shared/checks.js';
import { embeddedChartProblem, embeddedCredentialsProblem } from './embedded.js';
import { needsAwsSecretStore, vaultReferences } from './external-secrets.js';
import { clusterUrl } from './repository.js';

/** What would stop the k8s/ folder of a target from rendering, each at the input that causes it. */
export function kubernetesFindings(environment: ResolvedEnvironment): Diagnostic[] {
  return [
    ...unsupportedVersionFindings(environment, embeddedChartProblem),
    ...releaseNameFindings(environment),
    ...deployRepositoryFindings(environment),
    ...secretsDotenvFindings(environment, 'Kubernetes'),
    ...secretStoreRegionFindings(environment),
    ...embeddedCredentialsFindings(environment),
    ...vaultServerFindings(environment),
  ];
}

/** `vault:` references reach a cluster only through a Vault the environment names. */
function vaultServerFindings(environment: ResolvedEnvironment): Diagnostic[] {
  if (environment.infrastructure.vault) return [];
  return vaultReferences(environment).map(({ name }) =>
    findingAt(environment.origin, 'vault-server-required', `${name} is read from Vault, and "${environment.name}" names no Vault to read it from; add vault: {server: https://…, role: …} to the environment (External Secrets logs in as the ServiceAccount vault-auth of the namespace)`, {
      under: ['infraSecrets', name],
    }),
  );
}

/** The SecretStore that brings Secrets Manager values into the namespace is regional: an AWS target that needs one must say where. */
function secretStoreRegionFindings(environment: ResolvedEnvironment): Diagnostic[] {
  if (environment.infrastructure.region !== undefined || !needsAwsSecretStore(environment)) return [];
  return [
    findingAt(
      environment.origin,
      'region-required',
      `"${environment.name}" reads its managed resources' connections (or its infraSecrets) from AWS Secrets Manager, whose store in the cluster needs the region; set region`,
    ),
  ];
}

/** An embedded chart takes its credentials from one Secret: the services must not expect them from two. */
function embeddedCredentialsFindings(environment: ResolvedEnvironment): Diagnostic[] {
  return environment.resources.flatMap((resource) => {
    const problem = embeddedCredentialsProblem(environment, resource);
    if (!problem) return [];
    return [findingAt(resource.origin, 'embedded-credentials-split', `${problem}; generate both (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or ${resource.name.toUpperCase().replace(/-/g, '_')}_ACCESS_KEY_ID and …_SECRET_ACCESS_KEY) or neither`, { under: ['name'] })];
  });
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
