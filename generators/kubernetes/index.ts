import { UserError } from '../../src/errors.js';
import { chartReleases } from '../helm-values/index.js';
import { generatedSecretName } from '../helm-values/values.js';
import type { EnvironmentGenerator, OutputFile } from '../types.js';
import { argocdFiles, ksopsFiles } from './argocd.js';
import { defaultDenyPolicy, manifestFile, namespace, sopsDotenv } from './common.js';
import { embeddedReleases } from './embedded.js';
import { fluxFiles, fluxSecretGenerator } from './flux.js';

/**
 * `k8s/`: what the reconciler applies for a Kubernetes target: its Namespace, Flux or Argo CD objects,
 * the SOPS-encrypted Secret and, for enterprise targets, a default-deny NetworkPolicy. `kubectl
 * kustomize k8s` renders it; the encrypted values are only ever decrypted inside the cluster.
 */
export const kubernetesGenerator: EnvironmentGenerator = {
  name: 'kubernetes',
  scope: 'environment',
  appliesTo: (environment) => environment.runtime === 'kubernetes',
  generate(environment) {
    const embedded = embeddedReleases(environment, generatedSecretName);
    const releaseNames = new Set(chartReleases(environment).map((release) => release.name));
    const clash = embedded.find((release) => releaseNames.has(release.name));
    if (clash) throw new UserError(`${environment.name}: the resource "${clash.name}" and a service share a name; Kubernetes needs them apart`);
    const dotenv = sopsDotenv(environment);
    const argocd = environment.reconciler === 'argocd';

    const files: OutputFile[] = [manifestFile('namespace.yaml', namespace(environment))];
    if (environment.mode === 'enterprise') files.push(manifestFile('network-policy.yaml', defaultDenyPolicy(environment)));
    files.push(...(argocd ? argocdFiles(environment, embedded, dotenv !== undefined) : fluxFiles(environment, embedded)));
    if (dotenv && argocd) files.push(...ksopsFiles(environment, dotenv));
    if (dotenv && !argocd) files.push({ path: 'k8s/secrets.sops.env', bytes: dotenv });

    const resources = files.map((file) => file.path.slice('k8s/'.length)).filter((path) => path.endsWith('.yaml') && !path.includes('/'));
    files.push(
      manifestFile('kustomization.yaml', {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: resources.sort(),
        ...(dotenv && !argocd ? { secretGenerator: [fluxSecretGenerator(environment)] } : {}),
      }),
    );
    return files;
  },
};
