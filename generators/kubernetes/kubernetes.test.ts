import { standalone } from '../../test/support/example.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { validateSourceTree } from '../../src/compile.js';
import { fixedEpoch, useTrees } from '../../test/support/tree.js';
import { checkChartValues } from '../chart/files.js';
import { helmValuesGenerator } from '../helm-values/index.js';
import { serviceValues } from '../helm-values/values.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { kubernetesGenerator } from './index.js';

/** The Kubernetes generators on the minimal fixture and edits of it; the example is covered by test/kubernetes/. */
const tree = useTrees();

function model(edits: Record<string, string | null> = {}): ResolvedEnvironment {
  const root = tree(edits);
  const result = validateSourceTree({ root, now: new Date(Number(fixedEpoch) * 1000) });
  const target = result.targets.find((candidate) => candidate.name === 'prod')!;
  expect(target.status, JSON.stringify(result.diagnostics)).toBe('ready');
  return target.model!;
}

/** The unedited fixture, resolved once for the tests that only read it (the model keeps what it needs in memory). */
let unedited: ResolvedEnvironment | undefined;
const minimal = () => (unedited ??= model());

const byPath = (files: OutputFile[]) => new Map(files.map((file) => [file.path, parse(new TextDecoder().decode(file.bytes)) as Record<string, any>]));

describe('the Kubernetes generators', () => {
  it('write a values file per service and a Flux k8s/ folder that uses the bootstrap GitRepository when no deploy repo is named', () => {
    const environment = minimal();
    const values = byPath(helmValuesGenerator.generate(environment, standalone));
    expect([...values.keys()].sort()).toEqual(['helm/api.values.yaml', 'helm/worker.values.yaml']);
    expect(values.get('helm/api.values.yaml')).toMatchObject({ name: 'api', replicas: 2, autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4 } });
    const k8s = byPath(kubernetesGenerator.generate(environment, standalone));
    expect(k8s.has('k8s/flux-source.yaml')).toBe(false);
    expect(k8s.get('k8s/flux-sync.yaml')!.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system' });
    expect(k8s.get('k8s/helmrelease-api.yaml')!.spec.dependsOn).toEqual([{ name: 'worker' }]);
    expect(k8s.get('k8s/helmrelease-api.yaml')!.spec.chart.spec.chart).toBe('./charts/app');
    expect(k8s.get('k8s/kustomization.yaml')!.secretGenerator[0]).toMatchObject({ name: 'generated-secrets', envs: ['secrets.sops.env'], options: { disableNameSuffixHash: true } });
  });

  it('converts the deploy repository for each reconciler and refuses one a cluster cannot reach', () => {
    const flux = byPath(kubernetesGenerator.generate(model({ 'slipway.yaml': 'deployRepo: github:acme/deploy\nbranch: live\n' }), standalone));
    expect(flux.get('k8s/flux-source.yaml')!.spec).toMatchObject({ url: 'ssh://git@github.com/acme/deploy', ref: { branch: 'live' }, secretRef: { name: 'flux-system' } });
    const argocd = model({ 'slipway.yaml': 'deployRepo: github:acme/deploy\nreconciler: argocd\n' });
    const applications = byPath(kubernetesGenerator.generate(argocd, standalone));
    expect(applications.get('k8s/application-api.yaml')!.spec.source).toMatchObject({ repoURL: 'https://github.com/acme/deploy.git', path: 'charts/app' });
    expect(applications.get('k8s/application-api.yaml')!.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('2');
    expect(applications.get('k8s/application-worker.yaml')!.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    // Argo CD with nowhere to pull from is the deploy-repo-required rule's to report: reaching the generator is a bug.
    const nowhere = model({ 'slipway.yaml': 'reconciler: argocd\n' });
    expect(kubernetesGenerator.check!(nowhere)).toEqual([]);
    expect(() => kubernetesGenerator.generate(nowhere, standalone)).toThrow(BugError);
    const local = model({ 'slipway.yaml': 'deployRepo: file:///srv/deploy\n' });
    const [unreachable, ...others] = kubernetesGenerator.check!(local);
    expect(others).toEqual([]);
    expect(unreachable).toMatchObject({ severity: 'error', code: 'unreachable-deploy-repo', file: 'slipway.yaml', line: 1, column: 13 });
    expect(unreachable!.message).toMatch(/"file:\/\/\/srv\/deploy" cannot be reached from a cluster; set deployRepo to an https:\/\/, ssh:\/\//);
    expect(() => kubernetesGenerator.generate(local, standalone)).toThrow(BugError);
  });

  it('runs embedded resources from pinned charts, before the services that use them', () => {
    const environment = model({
      'environments/prod.yaml': `${[
        'name: prod', 'mode: saas', 'tier: production', 'provider: aws', 'runtime: kubernetes', 'runtimeVersion: "1.30"', 'release: "1.0.0"',
        'backups: {schedule: "0 2 * * *", retentionDays: 30}', 'resources:', '  database: {managed: false, storage: 20Gi}',
      ].join('\n')}\n`,
    });
    const k8s = byPath(kubernetesGenerator.generate(environment, standalone));
    expect(k8s.get('k8s/helmrelease-database.yaml')!.spec.chart.spec).toMatchObject({ chart: 'postgresql', version: '15.5.38', sourceRef: { kind: 'HelmRepository', name: 'bitnami' } });
    expect(k8s.get('k8s/helmrelease-database.yaml')!.spec.values).toMatchObject({ fullnameOverride: 'database', primary: { persistence: { size: '20Gi' } } });
    expect(k8s.get('k8s/helmrelease-worker.yaml')!.spec.dependsOn).toEqual([{ name: 'database' }]);
    expect(k8s.get('k8s/helmrepository-bitnami.yaml')!.spec).toMatchObject({ type: 'oci', url: 'oci://registry-1.docker.io/bitnamicharts' });
  });

  it('checks values against the chart schema before writing them: a wrong value is a bug, not output', () => {
    const environment = minimal();
    const values = serviceValues(environment, environment.services[0]!);
    expect(() => checkChartValues(values, 'ok')).not.toThrow();
    expect(() => checkChartValues({ ...values, replicas: -1 }, 'negative')).toThrow(BugError);
    expect(() => checkChartValues({ ...values, strategy: 'canary' }, 'strategy')).toThrow(BugError);
    expect(() => checkChartValues({ ...values, image: { reference: 'ghcr.io/example/api:latest', pullPolicy: 'IfNotPresent' } }, 'tag in production')).toThrow(/sha256/);
    expect(() => checkChartValues({ ...values, replicaz: 2 }, 'typo')).toThrow(BugError);
  });
});
