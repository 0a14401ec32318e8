import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { generatedSecretName } from '../helm-values/values.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { manifestFile, prerequisiteWave, slipwayLabels, syncWaveAnnotation, syncWaves, type Manifest, type ReleaseNode } from './common.js';
import { argocdSignatureKeys } from './commit-verification.js';
import { bitnamiRepository } from './embedded.js';
import { repositoryUrl } from './repository.js';

export const argocdNamespace = 'argocd';
export const inCluster = 'https://kubernetes.default.svc';

/**
 * Argo CD objects, app-of-apps: a root Application (project `default`, applied once by hand) keeps
 * this folder in sync; it holds an AppProject confined to the target's namespace and one child
 * Application per service (the chart from charts/<chart>/, values from helm/) and per embedded
 * resource, ordered by sync waves from the DAG. Secrets come from k8s/secrets/ through KSOPS.
 */
export function argocdFiles(environment: ResolvedEnvironment, graph: readonly ReleaseNode[], hasSecrets: boolean): OutputFile[] {
  const env = environment.name;
  const namespace = environment.infrastructure.namespace;
  const labels = slipwayLabels(environment);
  const repoURL = repositoryUrl(environment, 'argocd');
  // The deploy-repo-required rule stops a build of an Argo CD target without one.
  if (repoURL === undefined) throw new BugError(`${env}: an Argo CD target without a deploy repository reached the generator`);
  const targetRevision = environment.infrastructure.deploy.branch;
  const folder = environment.infrastructure.deploy.path;
  const bitnami = graph.some((node) => node.embedded);
  const signatureKeys = argocdSignatureKeys(environment);
  const application = (name: string, wave: number | undefined, project: string, destinationNamespace: string, source: Manifest): Manifest => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: argocdNamespace,
      labels,
      ...(wave === undefined ? {} : { annotations: syncWaveAnnotation(wave) }),
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project,
      source,
      destination: { server: inCluster, namespace: destinationNamespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
      },
    },
  });

  const files: OutputFile[] = [
    manifestFile(
      'argocd-project.yaml',
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: env, namespace: argocdNamespace, labels },
        spec: {
          description: `Slipway target ${env}: only its own namespace, only its deploy repository${bitnami ? ' and the pinned Bitnami charts' : ''}`,
          sourceRepos: [repoURL, ...(bitnami ? [bitnamiRepository.argocd] : [])],
          destinations: [{ server: inCluster, namespace }],
          clusterResourceWhitelist: [],
          // Argo CD syncs this project's Applications only from commits signed by one of these keys.
          ...(signatureKeys ? { signatureKeys } : {}),
        },
      },
    ),
    manifestFile('argocd-root.yaml', application(env, undefined, 'default', argocdNamespace, { repoURL, targetRevision, path: `${folder}/k8s` })),
  ];
  if (hasSecrets) {
    files.push(manifestFile('application-secrets.yaml', application(`${env}-secrets`, prerequisiteWave, env, namespace, { repoURL, targetRevision, path: `${folder}/k8s/secrets` })));
  }
  const waves = syncWaves(graph);
  for (const node of graph) {
    const fromBitnami = node.embedded;
    const source: Manifest = fromBitnami
      ? { repoURL: bitnamiRepository.argocd, chart: fromBitnami.chart, targetRevision: fromBitnami.version, helm: { releaseName: node.name, valuesObject: fromBitnami.values } }
      : {
          repoURL,
          targetRevision,
          path: `charts/${environment.chart.name}`,
          // Relative to the chart's folder, inside the same repository.
          helm: { releaseName: node.name, valueFiles: [`../../${folder}/helm/${node.name}.values.yaml`] },
        };
    files.push(manifestFile(`application-${node.name}.yaml`, application(`${env}-${node.name}`, waves.get(node.name) ?? 1, env, namespace, source)));
  }
  return files;
}

/**
 * k8s/secrets/: the same SOPS dotenv file, turned into the `generated-secrets` Secret by KSOPS in
 * Argo CD's repo server (Argo CD has no SOPS support of its own). Kept out of k8s/kustomization.yaml,
 * so the main folder renders with plain kustomize; only this one needs the KSOPS plugin.
 */
export function ksopsFiles(environment: ResolvedEnvironment, dotenv: Uint8Array): OutputFile[] {
  return [
    { path: 'k8s/secrets/secrets.sops.env', bytes: dotenv },
    manifestFile('secrets/ksops-generator.yaml', {
      apiVersion: 'viaduct.ai/v1',
      kind: 'ksops',
      metadata: { name: generatedSecretName, annotations: { 'config.kubernetes.io/function': 'exec:\n  path: ksops\n' } },
      secretFrom: [
        {
          metadata: { name: generatedSecretName, namespace: environment.infrastructure.namespace, labels: slipwayLabels(environment) },
          envs: ['./secrets.sops.env'],
        },
      ],
    }),
    manifestFile('secrets/kustomization.yaml', {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      generators: ['ksops-generator.yaml'],
    }),
  ];
}
