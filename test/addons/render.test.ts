import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { build, cleanUp, signedSource } from '../publish/helpers.js';
import { runCli } from '../support/cli.js';
import { ensureKubectl } from '../support/helm.js';
import { checkObject, parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { useTrees } from '../support/tree.js';
import { certManagerAddon, prodEnvironment as prod } from './helpers.js';

/**
 * Add-on charts on Kubernetes targets: the exact Flux and Argo CD objects (known answers), each
 * against the strict CRD schemas, `kubectl kustomize` of the rendered k8s/ including them, and the
 * files covered by the signed manifest and shown by `slipway diff` when a version is bumped.
 */
const kubectl = ensureKubectl();
const describeKubectl = describeWithTool('kubectl', kubectl !== undefined);
const describeSigning = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));
const newTree = useTrees();
afterEach(cleanUp);

const addons = `addons:
${certManagerAddon}  podinfo:
    repository: oci://ghcr.io/stefanprodan/charts/
    chart: podinfo
    version: 6.7.1
    namespace: prod
    dependsOn: [cert-manager]
    values:
      replicaCount: 2
      ingress: { enabled: false }
`;

async function built(edits: Record<string, string>): Promise<string> {
  const root = newTree({ 'environments/prod.yaml': `${prod}${addons}`, ...edits });
  const out = join(root, 'output');
  const run = await runCli(['build', '--no-sign', '--out', out], { cwd: root });
  expect(run.exitCode, run.stderr).toBe(0);
  return join(out, 'environments', 'prod', 'k8s');
}
const read = (k8s: string, file: string) => parse(readFileSync(join(k8s, file), 'utf8')) as K8sObject;
const labels = { 'app.kubernetes.io/managed-by': 'slipway', 'slipway.dev/environment': 'prod' };
const retry = { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } };

describe('add-ons on a Flux target', () => {
  it('renders a HelmRepository and a HelmRelease for an https:// repository, with its values', async () => {
    const k8s = await built({});
    expect(read(k8s, 'addon-cert-manager-source.yaml')).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'addon-cert-manager', namespace: 'prod', labels },
      spec: { interval: '1h', url: 'https://charts.jetstack.io' },
    });
    expect(read(k8s, 'addon-cert-manager-release.yaml')).toEqual({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'cert-manager', namespace: 'prod', labels },
      spec: {
        interval: '10m',
        releaseName: 'cert-manager',
        targetNamespace: 'cert-manager',
        storageNamespace: 'cert-manager',
        chart: { spec: { chart: 'cert-manager', version: 'v1.16.2', sourceRef: { kind: 'HelmRepository', name: 'addon-cert-manager' }, interval: '1h' } },
        values: { crds: { enabled: true } },
        timeout: '15m',
        install: { createNamespace: true, crds: 'CreateReplace', remediation: { retries: 3 } },
        upgrade: { cleanupOnFail: true, crds: 'CreateReplace', remediation: { retries: 3, remediateLastFailure: true } },
      },
    });
  });

  it('renders an OCIRepository and a HelmRelease by chartRef for an oci:// registry, after what it depends on', async () => {
    const k8s = await built({});
    expect(read(k8s, 'addon-podinfo-source.yaml')).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'addon-podinfo', namespace: 'prod', labels },
      spec: {
        interval: '1h',
        url: 'oci://ghcr.io/stefanprodan/charts/podinfo',
        ref: { tag: '6.7.1' },
        layerSelector: { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', operation: 'copy' },
      },
    });
    const release = read(k8s, 'addon-podinfo-release.yaml') as K8sObject & { spec: Record<string, unknown> };
    expect(release.spec).toMatchObject({
      chartRef: { kind: 'OCIRepository', name: 'addon-podinfo' },
      dependsOn: [{ name: 'cert-manager' }],
      targetNamespace: 'prod',
      values: { replicaCount: 2, ingress: { enabled: false } },
      // The target's own namespace exists already: Slipway renders it.
      install: { createNamespace: false },
    });
    expect(release.spec.chart).toBeUndefined();
  });
});

describe('add-ons on an Argo CD target', () => {
  const argocd = { 'slipway.yaml': 'deployRepo: https://github.com/acme/deploy.git\nbranch: main\nreconciler: argocd\n' };

  it('renders an Application per add-on in an AppProject of their own, ordered by sync waves before the application', async () => {
    const k8s = await built(argocd);
    expect(read(k8s, 'addon-cert-manager-application.yaml')).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'prod-cert-manager', namespace: 'argocd', labels, annotations: { 'argocd.argoproj.io/sync-wave': '-3' }, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: 'prod-addons',
        source: { repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', targetRevision: 'v1.16.2', helm: { releaseName: 'cert-manager', valuesObject: { crds: { enabled: true } } } },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'cert-manager' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, retry, syncOptions: ['CreateNamespace=true'] },
      },
    });
    const podinfo = read(k8s, 'addon-podinfo-application.yaml') as K8sObject & { metadata: { annotations: Record<string, string> }; spec: { source: Record<string, unknown>; syncPolicy: Record<string, unknown> } };
    // Argo CD names an OCI Helm registry without its scheme; the dependency syncs a wave earlier.
    expect(podinfo.spec.source).toEqual({ repoURL: 'ghcr.io/stefanprodan/charts', chart: 'podinfo', targetRevision: '6.7.1', helm: { releaseName: 'podinfo', valuesObject: { replicaCount: 2, ingress: { enabled: false } } } });
    expect(podinfo.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
    expect(podinfo.spec.syncPolicy.syncOptions).toBeUndefined();
    expect(read(k8s, 'addons-project.yaml')).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'prod-addons', namespace: 'argocd', labels, annotations: { 'argocd.argoproj.io/sync-wave': '-4' } },
      spec: {
        description: 'Slipway target prod: the third-party charts it names in addons, at their pinned versions',
        sourceRepos: ['ghcr.io/stefanprodan/charts', 'https://charts.jetstack.io'],
        destinations: [
          { server: 'https://kubernetes.default.svc', namespace: 'cert-manager' },
          { server: 'https://kubernetes.default.svc', namespace: 'prod' },
        ],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    });
  });
});

describeKubectl('add-ons through kubectl kustomize', () => {
  it.each([
    ['Flux', {}, ['HelmRepository/addon-cert-manager', 'HelmRelease/cert-manager', 'OCIRepository/addon-podinfo', 'HelmRelease/podinfo']],
    ['Argo CD', { 'slipway.yaml': 'deployRepo: https://github.com/acme/deploy.git\nbranch: main\nreconciler: argocd\n' }, ['AppProject/prod-addons', 'Application/prod-cert-manager', 'Application/prod-podinfo']],
  ])('%s: k8s/ renders with every add-on object, each valid against its strict CRD schema', async (_name, edits, expected) => {
    const k8s = await built(edits as Record<string, string>);
    const run = runTool(kubectl!, ['kustomize', k8s]);
    expect(run.status, run.stderr).toBe(0);
    const objects = parseObjects(run.stdout);
    const names = objects.map((object) => `${object.kind}/${object.metadata?.name}`);
    expect(names).toEqual(expect.arrayContaining(expected));
    for (const object of objects) expect(await checkObject(object)).toEqual([]);
    // Every reference an add-on object makes resolves to an object of the same output.
    const present = new Set(objects.map((object) => `${object.kind}/${(object.metadata as { namespace?: string }).namespace ?? ''}/${object.metadata?.name}`));
    const at = (kind: string, namespace: string, name: string) => expect(present, `${kind} ${namespace}/${name}`).toContain(`${kind}/${namespace}/${name}`);
    // (The application's own HelmReleases read the cluster's bootstrap GitRepository, which lives outside the output.)
    for (const object of objects.filter((candidate) => candidate.kind !== 'HelmRelease' || ['cert-manager', 'podinfo'].includes(String(candidate.metadata?.name)))) {
      const namespace = (object.metadata as { namespace?: string }).namespace ?? '';
      const spec = object.spec as Record<string, any>;
      if (object.kind === 'HelmRelease' && spec.chart) at(spec.chart.spec.sourceRef.kind, spec.chart.spec.sourceRef.namespace ?? namespace, spec.chart.spec.sourceRef.name);
      if (object.kind === 'HelmRelease' && spec.chartRef) at(spec.chartRef.kind, spec.chartRef.namespace ?? namespace, spec.chartRef.name);
      for (const dependency of object.kind === 'HelmRelease' ? (spec.dependsOn ?? []) : []) at('HelmRelease', dependency.namespace ?? namespace, dependency.name);
      if (object.kind === 'Application' && String(object.metadata?.name).startsWith('prod-') && spec.source?.chart) {
        at('AppProject', namespace, spec.project);
        const project = objects.find((candidate) => candidate.kind === 'AppProject' && candidate.metadata?.name === spec.project)!.spec as { sourceRepos: string[] };
        expect(project.sourceRepos).toContain(spec.source.repoURL);
      }
    }
  });
});

describeSigning('add-ons in the signed manifest and the diff', () => {
  it('lists every add-on file in release.json, and slipway diff shows a version bump', async () => {
    const root = signedSource();
    const file = join(root, 'environments', 'prod.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}${addons}`);
    const deployed = await build(root);
    const manifest = JSON.parse(readFileSync(join(deployed, 'environments', 'prod', 'release.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
    const listed = manifest.files.map((entry) => entry.path);
    expect(listed).toEqual(expect.arrayContaining(['k8s/addon-cert-manager-release.yaml', 'k8s/addon-cert-manager-source.yaml', 'k8s/addon-podinfo-release.yaml', 'k8s/addon-podinfo-source.yaml']));
    const release = manifest.files.find((entry) => entry.path === 'k8s/addon-cert-manager-release.yaml')!;
    expect(release.sha256).toBe(createHash('sha256').update(readFileSync(join(deployed, 'environments', 'prod', release.path))).digest('hex'));
    const verify = await runCli(['verify', deployed, '--keys', join(root, 'keys')], { cwd: root });
    expect(verify.exitCode, verify.stderr).toBe(0);

    writeFileSync(file, readFileSync(file, 'utf8').replace('version: v1.16.2', 'version: v1.16.3'));
    const diff = await runCli(['diff', '--against', deployed], { cwd: root });
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/\nprod: changed/);
    expect(diff.stdout).toContain('environments/prod/k8s/addon-cert-manager-release.yaml');
    expect(diff.stdout).toMatch(/^ *- {6}version: v1\.16\.2$/m);
    expect(diff.stdout).toMatch(/^ *\+ {6}version: v1\.16\.3$/m);
  });
});
