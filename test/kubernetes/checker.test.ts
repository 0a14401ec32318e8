import { describe, expect, it } from 'vitest';
import { checkObject } from '../support/kubernetes-objects.js';

/** The object checker must fail what the API server would refuse, or it proves nothing. */
describe('the Kubernetes object checker', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', labels: { 'app.kubernetes.io/name': 'api' } },
    spec: {
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: { containers: [{ name: 'api', image: 'x@sha256:' + 'a'.repeat(64), resources: { limits: { memory: '1Gi', 'nvidia.com/gpu': 1 } } }] },
      },
    },
  };

  it('accepts a correct object, maps (labels, resources) included', async () => {
    expect(await checkObject(deployment)).toEqual([]);
  });

  it('finds misspelt fields that kubernetes-models alone accepts', async () => {
    const typo = structuredClone(deployment) as Record<string, any>;
    typo.spec.replicass = 2;
    typo.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: '/', port: 80 } };
    typo.metadata.annotaions = {};
    expect(await checkObject(typo)).toEqual([
      'Deployment/api: unknown field /metadata/annotaions',
      'Deployment/api: unknown field /spec/template/spec/containers/0/readinesProbe',
      'Deployment/api: unknown field /spec/replicass',
    ]);
  });

  it('refuses wrong types through kubernetes-models', async () => {
    const wrong = structuredClone(deployment) as Record<string, any>;
    wrong.spec.replicas = 'three';
    expect((await checkObject(wrong)).join('\n')).toMatch(/replicas/);
  });

  it('checks Flux and Argo objects against the strict CRD schemas, metadata included', async () => {
    const release = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'api', namespcae: 'x' }, spec: { intervall: '5m', chart: { spec: { chart: 'x', sourceRef: { kind: 'GitRepository', name: 'x' } } } } };
    const problems = (await checkObject(release)).join('\n');
    expect(problems).toMatch(/intervall/);
    expect(problems).toMatch(/namespcae/);
    const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'api' }, spec: { strategy: { blueGreen: { activeServce: 'api' } }, template: { spec: { containerz: [] } } } };
    const rolloutProblems = (await checkObject(rollout)).join('\n');
    expect(rolloutProblems).toMatch(/activeServce|activeService/);
    expect(rolloutProblems).toMatch(/containerz/);
  });

  it('checks External Secrets objects against the strict CRD schemas', async () => {
    const externalSecret = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'db', namespace: 'x' },
      spec: { secretStoreRef: { kind: 'SecretStore', name: 'aws' }, target: { name: 'db', creationPolicy: 'Owner' }, data: [{ secretKey: 'host', remoteRef: { key: 'k', property: 'host' } }] },
    };
    expect(await checkObject(externalSecret)).toEqual([]);
    const typo = structuredClone(externalSecret) as Record<string, any>;
    typo.spec.data[0].remoteRef.propery = 'host';
    typo.spec.target.creationPolicy = 'Owned';
    const problems = (await checkObject(typo)).join('\n');
    expect(problems).toMatch(/propery/);
    expect(problems).toMatch(/creationPolicy/);
    const store = { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'aws' }, spec: { provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } } } };
    expect(await checkObject(store)).toEqual([]);
    expect((await checkObject({ ...store, spec: { provider: { aws: { service: 'SecretManager', region: 'eu-west-1' } } } })).join('\n')).toMatch(/service/);
  });

  it('refuses kinds it has no schema for', async () => {
    expect(await checkObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual(['Widget/w: no schema for example.com/v1/Widget']);
  });
});
