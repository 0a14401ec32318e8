import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/diagnostics.js';
import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { exampleTargets, standalone } from '../../test/support/example.js';
import { fixturesDir, useTrees } from '../../test/support/tree.js';
import { helmValuesGenerator } from '../helm-values/index.js';
import { kubernetesGenerator } from './index.js';

/** What stops a Kubernetes target from rendering is a finding at the input that causes it, not an exception. */
const tree = useTrees();
const fixture = (path: string) => readFileSync(join(fixturesDir, 'minimal', path), 'utf8');
const location = ({ code, file, line, column }: Diagnostic) => ({ code, file, line, column });

/** The minimal fixture's `prod` (AWS, Kubernetes) with edits; checks run on ready targets, but a model exists for any valid one. */
function prod(edits: Record<string, string>): ResolvedEnvironment {
  return exampleTargets(tree(edits)).find((target) => target.name === 'prod')!.model!;
}

const environment = (...lines: string[]) =>
  `${['name: prod', 'tier: production', 'provider: aws', 'runtime: kubernetes', 'release: "1.0.0"', 'backups: {schedule: "0 2 * * *", retentionDays: 30}', ...lines, 'region: eu-west-1'].join('\n')}\n`;

describe('the kubernetes check', () => {
  it('finds nothing to refuse in the unedited fixture', () => {
    expect(kubernetesGenerator.check!(prod({}))).toEqual([]);
    expect(helmValuesGenerator.check!(prod({}))).toEqual([]);
  });

  it('unsupported-version: an embedded resource version without a pinned chart, at the version that asked for it', () => {
    const model = prod({
      'environments/prod.yaml': environment('mode: saas', 'resources: {database: {managed: false}}'),
      'services/api/service.json': fixture('services/api/service.json').replace('"version": "16"', '"version": "11"'),
    });
    const findings = kubernetesGenerator.check!(model);
    expect(findings.map(location)).toEqual([{ code: 'unsupported-version', file: 'services/api/service.json', line: 10, column: 72 }]);
    expect(findings[0]!.message).toMatch(/no pinned chart runs postgres 11 embedded on Kubernetes; supported: .*needed by "prod".*set resources\.database\.managed: true/);
    expect(() => kubernetesGenerator.generate(model, standalone)).toThrow(BugError);
  });

  it('resource-name-taken: an embedded resource named like a service, at the name of its declaration', () => {
    const worker = fixture('services/worker/service.json').replace('[{ "name": "database", "type": "postgres" }]', '[{ "name": "database", "type": "postgres" }, { "name": "api", "type": "redis" }]');
    const model = prod({ 'environments/prod.yaml': environment('mode: saas', 'resources: {api: {managed: false}}'), 'services/worker/service.json': worker });
    const findings = kubernetesGenerator.check!(model);
    expect(findings.map(location)).toEqual([{ code: 'resource-name-taken', file: 'services/worker/service.json', line: 7, column: 89 }]);
    expect(findings[0]!.message).toMatch(/embedded resource "api" of "prod" and the service "api" would be one Kubernetes release; rename the resource/);
    expect(() => kubernetesGenerator.generate(model, standalone)).toThrow(BugError);
  });

  it('region-required: an AWS target whose connections come from Secrets Manager without a region, at the environment', () => {
    const noRegion = `${['name: prod', 'tier: production', 'provider: aws', 'runtime: kubernetes', 'release: "1.0.0"', 'backups: {schedule: "0 2 * * *", retentionDays: 30}', 'mode: saas'].join('\n')}\n`;
    const model = prod({ 'environments/prod.yaml': noRegion });
    const findings = kubernetesGenerator.check!(model);
    expect(findings.map(location)).toEqual([{ code: 'region-required', file: 'environments/prod.yaml', line: 1, column: 1 }]);
    expect(findings[0]!.message).toMatch(/"prod" reads .* from AWS Secrets Manager, whose store in the cluster needs the region; set region/);
    expect(() => kubernetesGenerator.generate(model, standalone)).toThrow(BugError);
    // Nothing to read from Secrets Manager (the database runs beside the services): no region needed.
    const embedded = noRegion.replace('mode: saas', 'mode: saas\nresources: {database: {managed: false}}');
    expect(kubernetesGenerator.check!(prod({ 'environments/prod.yaml': embedded }))).toEqual([]);
  });

  it('vault-server-required: a vault: reference a service reads on Kubernetes while the environment names no Vault, at the reference', () => {
    const api = JSON.parse(readFileSync(join(fixturesDir, 'minimal', 'services', 'api', 'service.json'), 'utf8')) as { secrets: Record<string, unknown> };
    api.secrets.MAIL_PASSWORD = { from: 'infra' };
    const prodYaml = readFileSync(join(fixturesDir, 'minimal', 'environments', 'prod.yaml'), 'utf8');
    const withVault = `${prodYaml}infraSecrets:\n  MAIL_PASSWORD: vault:secret/data/prod/smtp#password\n`;
    const model = prod({ 'services/api/service.json': JSON.stringify(api), 'environments/prod.yaml': withVault });
    const findings = kubernetesGenerator.check!(model);
    expect(findings.map(location)).toEqual([{ code: 'vault-server-required', file: 'environments/prod.yaml', line: 14, column: 18 }]);
    expect(() => kubernetesGenerator.generate(model, standalone)).toThrow(BugError);
    // Named: a SecretStore for the mount, and infra-secrets reading the path through it.
    const named = prod({ 'services/api/service.json': JSON.stringify(api), 'environments/prod.yaml': `${withVault}vault: {server: "https://vault.example.com", role: prod}\n` });
    expect(kubernetesGenerator.check!(named)).toEqual([]);
    const files = new Map(kubernetesGenerator.generate(named, standalone).map((file) => [file.path, new TextDecoder().decode(file.bytes)]));
    expect(files.get('k8s/secretstore-vault.yaml')).toContain('server: https://vault.example.com');
    expect(files.get('k8s/externalsecret-infra-secrets.yaml')).toContain('key: prod/smtp');
  });

  it('embedded-credentials-split: embedded object storage with one credential generated and the other not, at the resource', () => {
    const api = fixture('services/api/service.json')
      .replace('"secrets": { "APP_KEY": { "generate": "laravel-app-key" } }', '"secrets": { "APP_KEY": { "generate": "laravel-app-key" }, "AWS_SECRET_ACCESS_KEY": { "generate": "random" } }')
      .replace('[{ "name": "database", "type": "postgres", "version": "16" }]', '[{ "name": "database", "type": "postgres", "version": "16" }, { "name": "uploads", "type": "object-storage" }]');
    const model = prod({ 'environments/prod.yaml': environment('mode: saas', 'resources: {uploads: {managed: false}}'), 'services/api/service.json': api });
    const findings = kubernetesGenerator.check!(model);
    expect(findings.map(location)).toEqual([{ code: 'embedded-credentials-split', file: 'services/api/service.json', line: 10, column: 90 }]);
    expect(findings[0]!.message).toMatch(/embedded object storage "uploads" of "prod" .*only AWS_SECRET_ACCESS_KEY is a generated secret.*generate both/);
    expect(() => kubernetesGenerator.generate(model, standalone)).toThrow(BugError);
  });

  it('secrets-not-dotenv: a secrets file with a name no env file can hold, at the file', () => {
    const secrets = `bad-name: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n${fixture('secrets/prod.sops.yaml')}`;
    const model = prod({ 'secrets/prod.sops.yaml': secrets });
    expect(kubernetesGenerator.check!(model).map(location)).toEqual([{ code: 'secrets-not-dotenv', file: 'secrets/prod.sops.yaml', line: 1, column: 1 }]);
    expect(() => kubernetesGenerator.generate(model, standalone)).toThrow(BugError);
  });
});

describe('the helm-values check', () => {
  const gateway = (image?: string) => environment('mode: enterprise', 'enterprise:', `  aiGateway: {enabled: true${image ? `, image: "${image}"` : ''}}`);
  const pinned = `ghcr.io/example/gateway@sha256:${'3'.repeat(64)}`;

  it('ai-gateway-name-taken: a service named like the private AI gateway, at its name', () => {
    const release = `${fixture('releases/1.0.0.yaml').replace('images:\n', `images:\n  ai-gateway: ${pinned}\n`)}`;
    const model = prod({
      'environments/prod.yaml': gateway(pinned),
      'services/ai-gateway/service.json': '{\n  "name": "ai-gateway",\n  "role": "worker",\n  "image": "ghcr.io/example/gateway"\n}\n',
      'releases/1.0.0.yaml': release,
    });
    const findings = helmValuesGenerator.check!(model);
    expect(findings.map(location)).toEqual([{ code: 'ai-gateway-name-taken', file: 'services/ai-gateway/service.json', line: 2, column: 11 }]);
    expect(findings[0]!.message).toMatch(/has the name of the private AI gateway that "prod" runs .*rename the service/);
    expect(() => helmValuesGenerator.generate(model, standalone)).toThrow(BugError);
  });

  it('unpinned-image: a production AI gateway image without a digest, at the image, or at aiGateway when it is the default', () => {
    const tagged = prod({ 'environments/prod.yaml': gateway('ghcr.io/example/gateway:1.0') });
    expect(helmValuesGenerator.check!(tagged).map(location)).toEqual([{ code: 'unpinned-image', file: 'environments/prod.yaml', line: 9, column: 37 }]);
    expect(() => helmValuesGenerator.generate(tagged, standalone)).toThrow(BugError);
    const defaulted = helmValuesGenerator.check!(prod({ 'environments/prod.yaml': gateway() }));
    expect(defaulted.map(location)).toEqual([{ code: 'unpinned-image', file: 'environments/prod.yaml', line: 9, column: 14 }]);
    expect(defaulted[0]!.message).toMatch(/the default AI gateway image .* set enterprise\.aiGateway\.image to <repository>@sha256:<64 hex digits>/);
    expect(helmValuesGenerator.check!(prod({ 'environments/prod.yaml': gateway(pinned) }))).toEqual([]);
  });
});
