import type { Diagnostic } from '../../src/core/diagnostics.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { findingAt, type ResolvedAddon, type ResolvedEnvironment } from '../../src/model/index.js';
import { chartReleases } from '../helm-values/index.js';
import { argocdNamespace, inCluster } from './argocd.js';
import { manifestFile, slipwayLabels, syncWaveAnnotation, type Manifest } from './common.js';

/**
 * Third-party charts an environment names in `addons`, as the reconciler installs them: on Flux a
 * source (HelmRepository for an https:// repository; OCIRepository for oci://, which Flux recommends
 * over a HelmRepository of type oci) and a HelmRelease; on Argo CD an Application from the chart
 * repository, in an AppProject of its own (see `argocdAddonFiles`). Values are written as data.
 */

/** The media type of a Helm chart in an OCI registry: the one layer Flux should take from the artifact. */
const helmChartLayer = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

/** The name of an add-on's Flux source: prefixed, so it never meets the `bitnami` repository of embedded resources. */
export const addonSourceName = (addon: ResolvedAddon) => `addon-${addon.name}`;

export function fluxAddonFiles(environment: ResolvedEnvironment): OutputFile[] {
  const namespace = environment.infrastructure.namespace;
  const labels = slipwayLabels(environment);
  return environment.addons.flatMap((addon) => {
    const metadata = { name: addonSourceName(addon), namespace, labels };
    const source: Manifest =
      addon.source.kind === 'oci'
        ? {
            apiVersion: 'source.toolkit.fluxcd.io/v1',
            kind: 'OCIRepository',
            metadata,
            spec: { interval: '1h', url: `${addon.source.url}/${addon.chart}`, ref: { tag: addon.version }, layerSelector: { mediaType: helmChartLayer, operation: 'copy' } },
          }
        : { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata, spec: { interval: '1h', url: addon.source.url } };
    const chart =
      addon.source.kind === 'oci'
        ? { chartRef: { kind: 'OCIRepository', name: addonSourceName(addon) } }
        : { chart: { spec: { chart: addon.chart, version: addon.version, sourceRef: { kind: 'HelmRepository', name: addonSourceName(addon) }, interval: '1h' } } };
    const release: Manifest = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: addon.name, namespace, labels },
      spec: {
        interval: '10m',
        releaseName: addon.name,
        // Installed into its own namespace, with Helm's record of the release kept beside it (`helm ls -n`).
        targetNamespace: addon.namespace,
        storageNamespace: addon.namespace,
        ...chart,
        ...(addon.dependsOn.length > 0 ? { dependsOn: addon.dependsOn.map((name) => ({ name })) } : {}),
        ...(Object.keys(addon.values).length > 0 ? { values: addon.values } : {}),
        timeout: '15m',
        // The chart version is reviewed, so the CRDs it ships are applied on upgrades too (Flux skips them by default).
        install: { createNamespace: addon.createNamespace, crds: 'CreateReplace', remediation: { retries: 3 } },
        upgrade: { cleanupOnFail: true, crds: 'CreateReplace', remediation: { retries: 3, remediateLastFailure: true } },
      },
    };
    return [manifestFile(`addon-${addon.name}-source.yaml`, source), manifestFile(`addon-${addon.name}-release.yaml`, release)];
  });
}

/** Argo CD names a Helm chart in an OCI registry by its registry path, without the scheme. */
function argocdRepoUrl(addon: ResolvedAddon): string {
  return addon.source.kind === 'oci' ? addon.source.url.slice('oci://'.length) : addon.source.url;
}

/**
 * Argo CD: one Application per add-on in the AppProject `<env>-addons`. Not the target's own
 * project: that one is confined to the target's namespace, admits no cluster-scoped objects and
 * verifies commit signatures, while third-party charts install CRDs, cluster roles and webhooks into
 * namespaces of their own, and Argo CD verifies signatures of Git sources only (a project with
 * signature keys refuses a Helm repository). Sync waves stand in for `dependsOn`: every add-on
 * syncs before the prerequisites and releases of the application, each after what it depends on.
 */
export function argocdAddonFiles(environment: ResolvedEnvironment): OutputFile[] {
  if (environment.addons.length === 0) return [];
  const env = environment.name;
  const labels = slipwayLabels(environment);
  const project = `${env}-addons`;
  const depth = addonDepths(environment.addons);
  const deepest = Math.max(...depth.values());
  // The latest add-on wave is -2: before the prerequisites (-1), embedded resources (0) and services (1+).
  const wave = (addon: ResolvedAddon) => depth.get(addon.name)! - deepest - 2;
  const repositories = [...new Set(environment.addons.map(argocdRepoUrl))].sort();
  const namespaces = [...new Set(environment.addons.map((addon) => addon.namespace))].sort();
  const files: OutputFile[] = [
    manifestFile('addons-project.yaml', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: project, namespace: argocdNamespace, labels, annotations: syncWaveAnnotation(-deepest - 3) },
      spec: {
        description: `Slipway target ${env}: the third-party charts it names in addons, at their pinned versions`,
        sourceRepos: repositories,
        destinations: namespaces.map((namespace) => ({ server: inCluster, namespace })),
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    }),
  ];
  for (const addon of environment.addons) {
    files.push(
      manifestFile(`addon-${addon.name}-application.yaml`, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: `${env}-${addon.name}`, namespace: argocdNamespace, labels, annotations: syncWaveAnnotation(wave(addon)), finalizers: ['resources-finalizer.argocd.argoproj.io'] },
        spec: {
          project,
          source: {
            repoURL: argocdRepoUrl(addon),
            chart: addon.chart,
            targetRevision: addon.version,
            helm: { releaseName: addon.name, ...(Object.keys(addon.values).length > 0 ? { valuesObject: addon.values } : {}) },
          },
          destination: { server: inCluster, namespace: addon.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
            ...(addon.createNamespace ? { syncOptions: ['CreateNamespace=true'] } : {}),
          },
        },
      }),
    );
  }
  return files;
}

/** How many add-ons stand before each one on its longest dependsOn chain (a cycle, refused by a rule, counts once). */
function addonDepths(addons: readonly ResolvedAddon[]): Map<string, number> {
  const byName = new Map(addons.map((addon) => [addon.name, addon]));
  const depths = new Map<string, number>();
  const depth = (name: string, seen: Set<string>): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    const addon = byName.get(name);
    if (!addon || seen.has(name)) return -1;
    seen.add(name);
    const value = Math.max(-1, ...addon.dependsOn.map((dependency) => depth(dependency, seen))) + 1;
    depths.set(name, value);
    return value;
  };
  for (const addon of addons) depth(addon.name, new Set());
  return depths;
}

/** An add-on is a Helm release (and an Argo CD Application) of the target too: one name, one object. */
export function addonNameFindings(environment: ResolvedEnvironment): Diagnostic[] {
  const taken = new Map<string, string>();
  for (const release of chartReleases(environment)) taken.set(release.name, `the release "${release.name}" of the application`);
  for (const resource of environment.resources.filter((resource) => !resource.managed)) taken.set(resource.name, `the embedded resource "${resource.name}"`);
  // Argo CD names Applications `<env>-<name>`, and `<env>-secrets` is the one of the encrypted secrets.
  if (environment.reconciler === 'argocd') taken.set('secrets', 'the Application of the encrypted secrets');
  return environment.addons
    .filter((addon) => taken.has(addon.name))
    .map((addon) =>
      findingAt(addon.origin, 'addon-name-taken', `the add-on "${addon.name}" of "${environment.name}" and ${taken.get(addon.name)} would be one ${environment.reconciler === 'argocd' ? 'Argo CD Application' : 'HelmRelease'}; rename the add-on (the chart's name stays in chart)`, { key: true }),
    );
}
