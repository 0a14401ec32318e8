import { describe, expect, it } from 'vitest';
import type { JsonFinding } from '../support/cli.js';
import { fixtureText, sub, validateEdited } from './support.js';

const original = (path: string) => fixtureText(path);
const prod = original('environments/prod.yaml');
const onprem = original('environments/onprem.yaml');
const release = original('releases/1.0.0.yaml');
const apiText = original('services/api/service.json');
const workerText = original('services/worker/service.json');



async function findingsFor(files: Record<string, string | null>): Promise<JsonFinding[]> {
  return (await validateEdited(files)).findings;
}

const codes = (findings: JsonFinding[]) => findings.map((f) => f.code);
const withCode = (findings: JsonFinding[], code: string) => findings.filter((f) => f.code === code);
const service = (name: string, role: string, extra = '') => `{\n  "name": "${name}",\n  "role": "${role}",\n  "image": "ghcr.io/example/${name}"${extra}\n}\n`;

describe('rules do not report what is fine', () => {
  it('plaintext-secret: only secret-looking names with a value', async () => {
    const env = '"KEYCLOAK_URL": "https://id.example", "APP_KEYS": "a,b", "TOKEN_TTL": "60", "DB_PASSWORD": "", "MONKEY": "x"';
    const findings = await findingsFor({ 'services/api/service.json': sub(apiText, '"APP_ENV": "production"', env) });
    expect(findings).toEqual([]);
  });

  it('plaintext-secret: every secret-looking suffix, and PRIVATE anywhere', async () => {
    const names = ['MAIL_PASSWORD', 'FTP_PASSWD', 'JWT_SECRET', 'GITHUB_TOKEN', 'STRIPE_KEY', 'PRIVATE_REGISTRY', 'SSH_PRIVATE_PATH'];
    const env = names.map((name) => `"${name}": "x"`).join(', ');
    const findings = await findingsFor({ 'services/api/service.json': sub(apiText, '"APP_ENV": "production"', env) });
    expect(withCode(findings, 'plaintext-secret').map((f) => f.message.split(' ')[0]).sort()).toEqual([...names].sort());
    // The value itself is never echoed.
    expect(withCode(findings, 'plaintext-secret').every((f) => !f.message.includes('"x"'))).toBe(true);
  });

  it.each(['false', 'FALSE', '0', 'off', 'no', ''])('debug-in-production: APP_DEBUG=%j is off', async (value) => {
    const findings = await findingsFor({ 'services/api/service.json': sub(apiText, '"APP_DEBUG": "false"', `"APP_DEBUG": "${value}"`) });
    expect(findings).toEqual([]);
  });

  it('debug-in-production: not outside production', async () => {
    const staging = sub(sub(sub(prod, 'name: prod', 'name: staging'), 'tier: production', 'tier: staging'), /backups:\n(  .*\n)+/, '');
    const findings = await findingsFor({
      'environments/staging.yaml': `${staging}overrides:\n  services:\n    api:\n      env:\n        APP_DEBUG: "true"\n`,
    });
    expect(findings).toEqual([]);
  });

  it('replica-count: a self-hosted production api may run one replica; saas production may not', async () => {
    const findings = await findingsFor({ 'services/api/service.json': sub(apiText, '"min": 2', '"min": 1') });
    expect(withCode(findings, 'replica-count').map((f) => f.message)).toEqual([expect.stringContaining('saas production environment "prod"')]);
  });

  it('replica-count: a scheduler with exactly one replica, or none declared, is fine', async () => {
    const scheduler = sub(workerText, '"role": "worker"', '"role": "scheduler"');
    expect(await findingsFor({ 'services/worker/service.json': scheduler })).toEqual([]);
    const pinned = sub(scheduler, '"type": "postgres" }] }', '"type": "postgres" }] },\n  "scaling": { "min": 1, "max": 1 }');
    expect(await findingsFor({ 'services/worker/service.json': pinned })).toEqual([]);
  });

  it('replica-count: a scheduler with min 0 is reported at min', async () => {
    const scheduler = sub(sub(workerText, '"role": "worker"', '"role": "scheduler"'), '"type": "postgres" }] }', '"type": "postgres" }] },\n  "scaling": { "min": 0, "max": 1 }');
    const findings = await findingsFor({ 'services/worker/service.json': scheduler });
    // Line 7: `  "scaling": { "min": 0, "max": 1 }` — the value of min is at column 23; one finding per environment.
    expect(withCode(findings, 'replica-count').map((f) => [f.line, f.column])).toEqual([
      [7, 23],
      [7, 23],
    ]);
  });

  it('incompatible-migration: not on compose, which updates in maintenance mode', async () => {
    const findings = await findingsFor({ 'releases/1.0.0.yaml': sub(release, 'backwardCompatible: true', 'backwardCompatible: false') });
    expect(withCode(findings, 'incompatible-migration').map((f) => f.message)).toEqual([expect.stringContaining('"prod" deploys it rolling on kubernetes')]);
  });

  it('unpinned-image: a tag is fine for a release only non-production targets deploy', async () => {
    const staging = sub(sub(sub(prod, 'name: prod', 'name: staging'), 'tier: production', 'tier: staging'), 'release: "1.0.0"', 'release: "1.1.0-rc.1"');
    const findings = await findingsFor({
      'releases/1.1.0-rc.1.yaml': 'version: "1.1.0-rc.1"\nimages:\n  api: ghcr.io/example/api:pr-12\n  worker: ghcr.io/example/worker:pr-12\n',
      'environments/staging.yaml': staging,
    });
    expect(findings).toEqual([]);
  });

  it('dependency-cycle: a diamond is not a cycle', async () => {
    const findings = await findingsFor({
      'services/api/service.json': sub(apiText, '"services": ["worker"]', '"services": ["worker", "queue"]'),
      'services/worker/service.json': sub(workerText, '"dependencies": {', '"dependencies": { "services": ["queue"],'),
      'services/queue/service.json': service('queue', 'worker'),
      'releases/1.0.0.yaml': sub(release, 'migrations:', '  queue: ghcr.io/example/queue@sha256:3333333333333333333333333333333333333333333333333333333333333333\nmigrations:'),
    });
    expect(findings).toEqual([]);
  });

  it('dependency-cycle: a service that depends on itself', async () => {
    const findings = await findingsFor({ 'services/api/service.json': sub(apiText, '"services": ["worker"]', '"services": ["worker", "api"]') });
    const cycles = withCode(findings, 'dependency-cycle');
    // Line 8: `    "services": ["worker", "api"],` — "api" starts at column 28.
    expect(cycles.map((f) => [f.file, f.line, f.column])).toEqual([['services/api/service.json', 8, 28]]);
    expect(cycles[0]!.message).toMatch(/cycle: api → api;/);
  });

  it('dependency-cycle: two separate cycles are two findings', async () => {
    const findings = await findingsFor({
      'services/worker/service.json': sub(workerText, '"dependencies": {', '"dependencies": { "services": ["api"],'),
      'services/queue/service.json': service('queue', 'worker', ',\n  "dependencies": { "services": ["relay"] }'),
      'services/relay/service.json': service('relay', 'worker', ',\n  "dependencies": { "services": ["queue"] }'),
    });
    expect(withCode(findings, 'dependency-cycle').map((f) => f.message.match(/cycle: ([^;]+);/)![1])).toEqual(['api → worker → api', 'queue → relay → queue']);
  });

  it('unknown-resource: a resource only an undeployed service uses is unknown here', async () => {
    const findings = await findingsFor({
      'environments/prod.yaml': `${prod}resources:\n  cache:\n    managed: true\n`,
      'services/worker/service.json': sub(workerText, '[{ "name": "database", "type": "postgres" }]', '[{ "name": "database", "type": "postgres" }, { "name": "cache", "type": "redis" }]'),
    });
    expect(withCode(findings, 'unknown-resource')).toEqual([]);
    const limited = await findingsFor({
      'environments/prod.yaml': `${prod}services: [worker]\nresources:\n  cache:\n    managed: true\n`,
      'services/api/service.json': sub(apiText, '"resources": [{', '"resources": [{ "name": "cache", "type": "redis" }, {'),
    });
    expect(withCode(limited, 'unknown-resource').map((f) => [f.line, f.column])).toEqual([[15, 3]]);
  });
});

/**
 * Validator bugs found while building the corpus. These fail until the validator is fixed
 * (see the report to the lead); each names its minimal input.
 */
describe('regressions', () => {
  describe('a service whose service.json cannot be read still exists: no unknown-service elsewhere', () => {
    it.each([
      ['a duplicate key', sub(apiText, '  "role": "api",\n', '  "role": "api",\n  "role": "api",\n')],
      ['a JSON syntax error', sub(apiText, '"role": "api",', '"role": "api"')],
      ['a file over the size limit', ' '.repeat(1024 * 1024) + apiText],
    ])('%s', async (_what, text) => {
      const findings = await findingsFor({ 'services/api/service.json': text });
      expect(findings.filter((f) => f.file !== 'services/api/service.json'), JSON.stringify(findings, null, 1)).toEqual([]);
    });
  });

  describe('rules do not act on parts the schema rejected as if they were absent', () => {
    it('a health check with a misspelt key is not also "missing"', async () => {
      const findings = await findingsFor({ 'services/api/service.json': sub(apiText, '"port": "http" }', '"prot": "http" }') });
      expect(codes(findings)).not.toContain('missing-health-check');
    });

    it('a misspelt "scaling" key does not also give replica-count "runs 1 replica"', async () => {
      const findings = await findingsFor({ 'services/api/service.json': sub(apiText, '"scaling":', '"scalling":') });
      expect(codes(findings)).toEqual(['unknown-key']);
    });
  });

  it('an alias to an undefined anchor is a syntax error at the alias, not an alias bomb', async () => {
    const findings = await findingsFor({ 'environments/prod.yaml': `${prod}region2: *nope\n` });
    const [finding] = findings.filter((f) => f.file === 'environments/prod.yaml');
    expect(finding).toMatchObject({ code: 'yaml-syntax', line: 13, column: 10 });
    expect(finding!.message).toMatch(/nope/);
  });

  it('a file just over the size limit: the message does not say "1.0 MiB, over the limit of 1.0 MiB"', async () => {
    const findings = await findingsFor({ 'environments/prod.yaml': prod + '#'.repeat(1024 * 1024) + '\n' });
    const [finding] = findings.filter((f) => f.code === 'file-too-large');
    const sizes = /file is (.+), over the limit of (.+?);/.exec(finding!.message)!;
    expect(sizes[1]).not.toBe(sizes[2]);
  });

  it('two YAML documents in one file: the message does not tell the user to call a library function', async () => {
    const findings = await findingsFor({ 'environments/prod.yaml': `${prod}---\nname: prod\n` });
    expect(findings[0]!.message).not.toMatch(/parseAllDocuments/);
  });

  it('a {from: infra} secret with no infraSecrets at all is reported at the mapping that lacks it', async () => {
    const findings = await findingsFor({
      'services/api/service.json': sub(apiText, '  "dependencies": {', '  "secrets": { "MAIL_PASSWORD": { "from": "infra" } },\n  "dependencies": {'),
    });
    // onprem.yaml has no infraSecrets; its top-level mapping starts at line 1, column 1 (not at the value of name, 1:7).
    const onpremFinding = findings.find((f) => f.file === 'environments/onprem.yaml' && f.code === 'unknown-infra-secret');
    expect(onpremFinding).toMatchObject({ line: 1, column: 1 });
  });
});
