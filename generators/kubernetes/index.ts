import type { Diagnostic } from '../../src/core/diagnostics.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import type { EnvironmentGenerator } from '../types.js';
import { chartPostRenderers, extrasFindings, folderExtras } from './extras.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { addonNameFindings, argocdAddonFiles, fluxAddonFiles } from './addons.js';
import { argocdFiles, ksopsFiles } from './argocd.js';
import { secretsDotenvBytes } from '../infrastructure-shared/checks.js';
import { kubernetesFindings } from './check.js';
import { commitKeyFiles, fluxCommitKeysGenerator } from './commit-verification.js';
import { repositoryUrl } from './repository.js';
import { defaultDenyPolicy, describeOnly, manifestFile, namespace, releaseGraph } from './common.js';
import { embeddedReleases } from './embedded.js';
import { externalSecretManifests } from './external-secrets.js';
import { serviceAccountManifests } from './service-accounts.js';
import { fluxFiles, fluxSecretGenerator } from './flux.js';

/**
 * `k8s/`: what the reconciler applies for a Kubernetes target: its Namespace, Flux or Argo CD objects,
 * the SOPS-encrypted Secret, on AWS the External Secrets objects that bring Terraform's connection
 * outputs and the infraSecrets ARNs into the namespace and, for enterprise targets, a default-deny
 * NetworkPolicy; with commit keys in the source, what the reconciler verifies deploy commits
 * against (commit-verification.ts); the third-party charts of `addons` (addons.ts); the
 * environment's extra manifests and patches (extras.ts).
 * `kubectl kustomize k8s` renders it (Argo CD's root Application applies the same
 * folder); the encrypted values are only ever decrypted inside the cluster.
 */
export const kubernetesGenerator: EnvironmentGenerator = {
  name: 'kubernetes',
  scope: 'environment',
  description: 'the namespace, Flux or Argo CD objects, encrypted and external secrets, and policies the reconciler applies',
  appliesTo: (environment) => environment.runtime === 'kubernetes',
  check: checks,
  generate(environment) {
    const files = folderFiles(environment);
    const dotenv = secretsDotenvBytes(environment);
    const argocd = environment.reconciler === 'argocd';
    const verifyCommits = commitsVerified(environment);
    const secretGenerator = [...(dotenv && !argocd ? [fluxSecretGenerator(environment)] : []), ...(verifyCommits && !argocd ? [fluxCommitKeysGenerator(environment)] : [])];
    const extras = folderExtras(environment, files);
    files.push(...extras.files);

    const resources = files.map((file) => file.path.slice('k8s/'.length)).filter((path) => path.endsWith('.yaml') && !path.includes('/'));
    files.push(
      manifestFile('kustomization.yaml', {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [...resources.sort(), ...extras.resources],
        ...(secretGenerator.length > 0 ? { secretGenerator } : {}),
        // In the order the environment takes them: the overlays' first, then its own.
        ...(extras.patches.length > 0 ? { patches: extras.patches } : {}),
      }),
    );
    return files;
  },
};

/** Flux verifies through the GitRepository rendered here, which needs a deploy repository in slipway.yaml. */
function commitsVerified(environment: ResolvedEnvironment): boolean {
  return environment.commitKeys.length > 0 && (environment.reconciler === 'argocd' || repositoryUrl(environment, 'flux') !== undefined);
}

/** Every file of k8s/ but the kustomization and the environment's extras: the objects Slipway renders itself. */
function folderFiles(environment: ResolvedEnvironment): OutputFile[] {
  const graph = releaseGraph(environment, embeddedReleases(environment));
  const dotenv = secretsDotenvBytes(environment);
  const argocd = environment.reconciler === 'argocd';

  const files: OutputFile[] = [manifestFile('namespace.yaml', namespace(environment))];
  if (environment.mode === 'enterprise') files.push(manifestFile('network-policy.yaml', defaultDenyPolicy(environment)));
  for (const { file, manifest } of externalSecretManifests(environment)) files.push(manifestFile(file, manifest));
  for (const { file, manifest } of serviceAccountManifests(environment)) files.push(manifestFile(file, manifest));
  files.push(...(argocd ? argocdFiles(environment, graph, dotenv !== undefined) : fluxFiles(environment, graph, chartPostRenderers(environment))));
  files.push(...(argocd ? argocdAddonFiles(environment) : fluxAddonFiles(environment)));
  if (dotenv && argocd) files.push(...ksopsFiles(environment, dotenv));
  if (dotenv && !argocd) files.push({ path: 'k8s/secrets.sops.env', bytes: dotenv });
  if (commitsVerified(environment)) files.push(...commitKeyFiles(environment));
  return files;
}

/** The generator's checks, then (only on a target they pass, whose folder can be rendered) those of the environment's extras. */
function checks(environment: ResolvedEnvironment): Diagnostic[] {
  const findings = [...kubernetesFindings(environment), ...addonNameFindings(environment)];
  const { patches, manifests } = environment.extras;
  if (findings.length > 0 || (patches.length === 0 && manifests.length === 0)) return findings;
  if (environment.reconciler === 'argocd' && repositoryUrl(environment, 'argocd') === undefined) return findings;
  return extrasFindings(environment, describeOnly(() => folderFiles(environment)));
}
