import type { ResolvedEnvironment } from '../../src/model/index.js';
import { generatedSecretName } from '../helm-values/values.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { manifestFile, slipwayLabels, type Manifest, type ReleaseNode } from './common.js';
import { fluxVerify } from './commit-verification.js';
import { bitnamiRepository } from './embedded.js';
import { repositoryUrl } from './repository.js';

const fluxNamespace = 'flux-system';
/** The GitRepository `flux bootstrap` creates; used when slipway.yaml names no deploy repository. */
const bootstrapSource = 'flux-system';

/**
 * Flux objects: a GitRepository for the deploy repo, a Kustomization that applies this folder with
 * SOPS decryption (the age identity in the `sops-age` Secret of flux-system), and a HelmRelease per
 * service (the chart from charts/<chart>/ of the same repository, values from helm/) with
 * `dependsOn` from the release graph, and one per embedded resource from its pinned Bitnami chart.
 * With commit keys in the source, the GitRepository verifies every commit it fetches. Patches of
 * the chart's output reach a release as its post-renderer.
 */
export function fluxFiles(environment: ResolvedEnvironment, graph: readonly ReleaseNode[], postRenderers: ReadonlyMap<string, Manifest[]> = new Map()): OutputFile[] {
  const env = environment.name;
  const namespace = environment.infrastructure.namespace;
  const labels = slipwayLabels(environment);
  const url = repositoryUrl(environment, 'flux');
  const source = url === undefined ? bootstrapSource : env;
  const files: OutputFile[] = [];
  if (url !== undefined) {
    const verify = fluxVerify(environment);
    files.push(
      manifestFile('flux-source.yaml', {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: env, namespace: fluxNamespace, labels },
        spec: {
          interval: '1m',
          url,
          ref: { branch: environment.infrastructure.deploy.branch },
          ...(url.startsWith('ssh://') ? { secretRef: { name: 'flux-system' } } : {}),
          // Only what this target is built from: the chart and its own folder.
          ignore: `/*\n!/charts/\n!/${environment.infrastructure.deploy.path}/\n`,
          ...(verify ? { verify } : {}),
        },
      }),
    );
  }
  files.push(
    manifestFile('flux-sync.yaml', {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: env, namespace: fluxNamespace, labels },
      spec: {
        interval: '10m',
        retryInterval: '1m',
        timeout: '5m',
        path: `./${environment.infrastructure.deploy.path}/k8s`,
        prune: true,
        sourceRef: { kind: 'GitRepository', name: source },
        decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
      },
    }),
  );
  if (graph.some((node) => node.embedded)) {
    files.push(
      manifestFile(`helmrepository-${bitnamiRepository.name}.yaml`, {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'HelmRepository',
        metadata: { name: bitnamiRepository.name, namespace, labels },
        spec: { type: 'oci', interval: '1h', url: bitnamiRepository.oci },
      }),
    );
  }
  const chartPath = `charts/${environment.chart.name}`;
  for (const node of graph) {
    const fromBitnami = node.embedded;
    const chart = fromBitnami
      ? { spec: { chart: fromBitnami.chart, version: fromBitnami.version, sourceRef: { kind: 'HelmRepository', name: bitnamiRepository.name }, interval: '1h' } }
      : {
          spec: {
            chart: `./${chartPath}`,
            // The chart comes from the deploy repo itself: rebuild it on every revision so template and values changes both land.
            reconcileStrategy: 'Revision',
            sourceRef: { kind: 'GitRepository', name: source, namespace: fluxNamespace },
            valuesFiles: [`${chartPath}/values.yaml`, `${environment.infrastructure.deploy.path}/helm/${node.name}.values.yaml`],
            interval: '10m',
          },
        };
    const release: Manifest = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: node.name, namespace, labels },
      spec: {
        interval: '10m',
        releaseName: node.name,
        chart,
        ...(node.dependsOn.length > 0 ? { dependsOn: node.dependsOn.map((name) => ({ name })) } : {}),
        ...(fromBitnami ? { values: fromBitnami.values } : {}),
        // The environment's patches of what the chart renders for this release (see extras.ts).
        ...(postRenderers.has(node.name) ? { postRenderers: [{ kustomize: { patches: postRenderers.get(node.name) } }] } : {}),
        timeout: '15m',
        install: { remediation: { retries: 3 } },
        upgrade: { cleanupOnFail: true, remediation: { retries: 3, remediateLastFailure: true } },
      },
    };
    files.push(manifestFile(`helmrelease-${node.name}.yaml`, release));
  }
  return files;
}

/** Flux decrypts SOPS dotenv files that a secretGenerator reads; a fixed name lets every HelmRelease refer to it. */
export function fluxSecretGenerator(environment: ResolvedEnvironment): Manifest {
  return {
    name: generatedSecretName,
    namespace: environment.infrastructure.namespace,
    envs: ['secrets.sops.env'],
    options: { disableNameSuffixHash: true, labels: slipwayLabels(environment) },
  };
}
