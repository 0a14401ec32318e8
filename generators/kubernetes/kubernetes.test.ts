import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { standalone } from '../../test/support/example.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { validateSourceTree } from '../../src/compile.js';
import { fixedEpoch, fixturesDir, useTrees } from '../../test/support/tree.js';
import { checkChartValues } from '../chart/files.js';
import { helmValuesGenerator } from '../helm-values/index.js';
import { serviceValues } from '../helm-values/values.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { parseSecretsManagerArn } from '../infrastructure-shared/secret-references.js';
import { kubernetesGenerator } from './index.js';

/** The Kubernetes generators on the minimal fixture and edits of it; the example is covered by test/kubernetes/. */
const tree = useTrees();
const fixture = (path: string) => readFileSync(join(fixturesDir, 'minimal', path), 'utf8');

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

  it('brings infraSecrets ARNs into infra-secrets: a JSON key and version from the reference, another region through a store of its own', () => {
    const api = fixture('services/api/service.json').replace('"APP_KEY": { "generate": "laravel-app-key" }', '"APP_KEY": { "generate": "laravel-app-key" }, "MAIL_PASSWORD": { "from": "infra" }, "SMTP_USER": { "from": "infra" }');
    const arn = (region: string, rest: string) => `arn:aws:secretsmanager:${region}:111122223333:secret:${rest}`;
    const environment = model({
      'environments/prod.yaml': `${fixture('environments/prod.yaml')}infraSecrets:\n  MAIL_PASSWORD: "${arn('eu-west-1', 'mail-Ab12Cd:password:AWSPREVIOUS:')}"\n  SMTP_USER: "${arn('us-east-1', 'smtp-Xy34Zw#user')}"\n`,
      'services/api/service.json': api,
    });
    const k8s = byPath(kubernetesGenerator.generate(environment, standalone));
    expect(k8s.get('k8s/externalsecret-infra-secrets.yaml')!.spec.data).toEqual([
      { secretKey: 'MAIL_PASSWORD', remoteRef: { key: arn('eu-west-1', 'mail-Ab12Cd'), property: 'password', version: 'AWSPREVIOUS' } },
      { secretKey: 'SMTP_USER', sourceRef: { storeRef: { kind: 'SecretStore', name: 'aws-secrets-manager-us-east-1' } }, remoteRef: { key: arn('us-east-1', 'smtp-Xy34Zw'), property: 'user' } },
    ]);
    expect(k8s.get('k8s/secretstore-aws-secrets-manager.yaml')!.spec.provider.aws).toEqual({ service: 'SecretsManager', region: 'eu-west-1' });
    expect(k8s.get('k8s/secretstore-aws-secrets-manager-us-east-1.yaml')!.spec.provider.aws).toEqual({ service: 'SecretsManager', region: 'us-east-1' });
    expect(k8s.get('k8s/kustomization.yaml')!.resources).toEqual(expect.arrayContaining(['externalsecret-infra-secrets.yaml', 'externalsecret-database-connection.yaml', 'secretstore-aws-secrets-manager-us-east-1.yaml']));
    const values = byPath(helmValuesGenerator.generate(environment, standalone)).get('helm/api.values.yaml')!;
    expect(values.secretEnv.filter((entry: { secretName: string }) => entry.secretName === 'infra-secrets')).toEqual([
      { name: 'MAIL_PASSWORD', secretName: 'infra-secrets', key: 'MAIL_PASSWORD' },
      { name: 'SMTP_USER', secretName: 'infra-secrets', key: 'SMTP_USER' },
    ]);
    expect(parseSecretsManagerArn(arn('eu-west-1', 'a:b::0f1e2d3c'))).toEqual({ arn: arn('eu-west-1', 'a'), region: 'eu-west-1', property: 'b', version: 'uuid/0f1e2d3c', ecsSuffix: ':b::0f1e2d3c' });
    expect(parseSecretsManagerArn('vault:secret/data/x#y')).toBeUndefined();
  });

  it("hands the embedded charts the generated passwords the services read: postgres (chart 12 with its superuser), mysql as a file, minio's pair", () => {
    const embeddedEnvironment = (resource: string, version: string) =>
      `${fixture('environments/prod.yaml')}resources:\n  ${resource}: {managed: false}\n`.replace('"version": "16"', `"version": "${version}"`);
    const postgres15 = model({
      'environments/prod.yaml': embeddedEnvironment('database', '15'),
      'services/api/service.json': fixture('services/api/service.json').replace('"version": "16"', '"version": "15"').replace('"APP_KEY": { "generate": "laravel-app-key" }', '"APP_KEY": { "generate": "laravel-app-key" }, "DB_PASSWORD": { "generate": "password" }'),
    });
    const database = byPath(kubernetesGenerator.generate(postgres15, standalone)).get('k8s/helmrelease-database.yaml')!.spec;
    expect(database.chart.spec.version).toBe('12.5.9');
    expect(database.values.auth).toEqual({ enablePostgresUser: true, username: 'database', database: 'database', existingSecret: 'generated-secrets', secretKeys: { userPasswordKey: 'DB_PASSWORD', adminPasswordKey: 'DB_PASSWORD' } });
    const apiValues = byPath(helmValuesGenerator.generate(postgres15, standalone)).get('helm/api.values.yaml')!;
    expect(apiValues.env).toMatchObject({ DB_HOST: 'database', DB_PORT: '5432', DB_DATABASE: 'database', DB_USERNAME: 'database' });
    expect(apiValues.secretEnv).toContainEqual({ name: 'DB_PASSWORD', secretName: 'generated-secrets', key: 'DB_PASSWORD' });

    const sql = (type: string) =>
      fixture('services/api/service.json')
        .replace('[{ "name": "database", "type": "postgres", "version": "16" }]', `[{ "name": "database", "type": "postgres", "version": "16" }, { "name": "store", "type": "${type}" }]`)
        .replace('"APP_KEY": { "generate": "laravel-app-key" }', '"APP_KEY": { "generate": "laravel-app-key" }, "STORE_PASSWORD": { "generate": "password" }, "AWS_ACCESS_KEY_ID": { "generate": "random" }, "AWS_SECRET_ACCESS_KEY": { "generate": "random" }');
    const withStore = (type: string) => model({ 'environments/prod.yaml': `${fixture('environments/prod.yaml')}resources:\n  store: {managed: false}\n`, 'services/api/service.json': sql(type) });
    const mysql = byPath(kubernetesGenerator.generate(withStore('mysql'), standalone)).get('k8s/helmrelease-store.yaml')!.spec.values;
    expect(mysql.auth).toMatchObject({ usePasswordFiles: true, customPasswordFiles: { root: '/opt/bitnami/mysql/slipway-credentials/password', user: '/opt/bitnami/mysql/slipway-credentials/password' } });
    expect(mysql.primary.extraVolumes).toEqual([{ name: 'slipway-credentials', secret: { secretName: 'generated-secrets', items: [{ key: 'STORE_PASSWORD', path: 'password' }] } }]);
    const minio = withStore('object-storage');
    expect(byPath(kubernetesGenerator.generate(minio, standalone)).get('k8s/helmrelease-store.yaml')!.spec.values).toMatchObject({
      defaultBuckets: 'store',
      auth: { existingSecret: 'generated-secrets', rootUserSecretKey: 'AWS_ACCESS_KEY_ID', rootPasswordSecretKey: 'AWS_SECRET_ACCESS_KEY' },
    });
    const minioValues = byPath(helmValuesGenerator.generate(minio, standalone)).get('helm/api.values.yaml')!;
    expect(minioValues.env).toMatchObject({ AWS_BUCKET: 'store', AWS_ENDPOINT: 'http://store:9000', AWS_USE_PATH_STYLE_ENDPOINT: 'true' });
    expect(minioValues.secretEnv).toContainEqual({ name: 'AWS_SECRET_ACCESS_KEY', secretName: 'generated-secrets', key: 'AWS_SECRET_ACCESS_KEY' });
  });

  it('reads vault: references through one store per KV mount, beside ARNs in the one infra-secrets, whose default store is the target region Secrets Manager', () => {
    const api = fixture('services/api/service.json').replace('"APP_KEY": { "generate": "laravel-app-key" }', '"APP_KEY": { "generate": "laravel-app-key" }, "MAIL_PASSWORD": { "from": "infra" }, "SMTP_USER": { "from": "infra" }, "OTHER": { "from": "infra" }');
    const withReferences = (references: string) =>
      model({ 'environments/prod.yaml': `${fixture('environments/prod.yaml')}vault: {server: "https://vault.example:8200", role: api}\ninfraSecrets:\n${references}`, 'services/api/service.json': api });
    const storeRef = (name: string) => ({ sourceRef: { storeRef: { kind: 'SecretStore', name } } });
    const vaultOnly = byPath(kubernetesGenerator.generate(withReferences('  MAIL_PASSWORD: "vault:kv/mail#p"\n  SMTP_USER: "vault:secret/data/smtp#user"\n  OTHER: "vault:kv/other"\n'), standalone));
    expect(vaultOnly.get('k8s/externalsecret-infra-secrets.yaml')!.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'vault-kv-v1' });
    expect(vaultOnly.get('k8s/externalsecret-infra-secrets.yaml')!.spec.data).toEqual([
      { secretKey: 'MAIL_PASSWORD', remoteRef: { key: 'mail', property: 'p' } },
      { secretKey: 'OTHER', remoteRef: { key: 'other' } },
      { secretKey: 'SMTP_USER', ...storeRef('vault-secret-v2'), remoteRef: { key: 'smtp', property: 'user' } },
    ]);
    expect(vaultOnly.get('k8s/secretstore-vault-secret-v2.yaml')!.spec.provider.vault).toMatchObject({ path: 'secret', version: 'v2', auth: { kubernetes: { serviceAccountRef: { name: 'vault-auth' } } } });
    expect(vaultOnly.get('k8s/serviceaccount-vault-auth.yaml')).toMatchObject({ kind: 'ServiceAccount', automountServiceAccountToken: false });

    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:mail-Ab12Cd';
    const mixed = byPath(kubernetesGenerator.generate(withReferences(`  MAIL_PASSWORD: "${arn}"\n  SMTP_USER: "vault:secret/data/smtp#user"\n  OTHER: "vault:secret/data/other"\n`), standalone));
    expect(mixed.get('k8s/externalsecret-infra-secrets.yaml')!.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'aws-secrets-manager' });
    expect(mixed.get('k8s/externalsecret-infra-secrets.yaml')!.spec.data).toEqual([
      { secretKey: 'MAIL_PASSWORD', remoteRef: { key: arn } },
      { secretKey: 'OTHER', ...storeRef('vault'), remoteRef: { key: 'other' } },
      { secretKey: 'SMTP_USER', ...storeRef('vault'), remoteRef: { key: 'smtp', property: 'user' } },
    ]);
  });
});
