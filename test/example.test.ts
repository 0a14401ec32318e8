import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exampleTargets } from './support/example.js';
import { createAjv } from '../src/validate/schemas.js';
import { parseJsonLines, runCli } from './support/cli.js';


const root = fileURLToPath(new URL('../', import.meta.url));
const ajv = createAjv();
const validators = new Map<string, ValidateFunction>();
const validator = (schemaFile: string): ValidateFunction => {
  let fn = validators.get(schemaFile);
  if (!fn) {
    fn = ajv.compile(JSON.parse(readFileSync(join(root, 'schemas', schemaFile), 'utf8')) as object);
    validators.set(schemaFile, fn);
  }
  return fn;
};

const ls = (dir: string, ext: string) =>
  existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter((f) => f.endsWith(ext)).sort() : [];

/** Every input file of the bundled example, with the schema it must satisfy. */
const exampleFiles: Array<{ file: string; schema: string }> = [
  { file: 'slipway.yaml', schema: 'slipway.schema.json' },
  ...readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ file: `services/${d.name}/service.json`, schema: 'service.schema.json' })),
  ...ls('environments', '.yaml').map((f) => ({ file: `environments/${f}`, schema: 'environment.schema.json' })),
  ...ls('releases', '.yaml').map((f) => ({ file: `releases/${f}`, schema: 'release.schema.json' })),
  ...ls('policies', '.yaml').map((f) => ({ file: `policies/${f}`, schema: f.replace(/\.yaml$/, '.schema.json') })),
].sort((a, b) => a.file.localeCompare(b.file));

const read = (file: string): unknown => {
  const text = readFileSync(join(root, file), 'utf8');
  return file.endsWith('.json') ? JSON.parse(text) : parse(text);
};

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const docs = (dir: string) => new Map(ls(dir, '.yaml').map((f) => [basename(f, '.yaml'), read(`${dir}/${f}`) as Any]));

describe('bundled example validates against the schemas', () => {
  it('has the expected shape', () => {
    expect(exampleFiles.filter((f) => f.file.startsWith('environments/')).length).toBeGreaterThanOrEqual(12);
    expect(exampleFiles.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        'policies/attestation-policy.yaml',
        'policies/provisioning-policy.yaml',
        'policies/secrets-policy.yaml',
        'policies/target-policy.yaml',
        'releases/2026.10.1.yaml',
        'releases/2026.11.2.yaml',
        'services/api/service.json',
      ]),
    );
  });

  it.each(exampleFiles)('$file', ({ file, schema }) => {
    const validate = validator(schema);
    validate(read(file));
    expect(validate.errors ?? []).toEqual([]);
  });

  it.each(ls('environments', '.yaml'))('environments/%s starts with the yaml-language-server line', (f) => {
    const first = readFileSync(join(root, 'environments', f), 'utf8').split('\n')[0];
    expect(first).toBe('# yaml-language-server: $schema=../schemas/environment.schema.json');
  });
});

describe('schemas reject mistakes in the example', () => {
  const euProd = () => read('environments/eu-prod.yaml') as Any;
  const api = () => read('services/api/service.json') as Any;
  const errorsOf = (schema: string, doc: unknown) => {
    const validate = validator(schema);
    validate(doc);
    return validate.errors ?? [];
  };

  it('an unknown (misspelt) key', () => {
    const { region, ...rest } = euProd();
    const errors = errorsOf('environment.schema.json', { ...rest, regoin: region });
    expect(errors).toContainEqual(expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'regoin' } }));
  });

  it('a misspelt key deep inside an override', () => {
    const env = euProd();
    env.overrides.services.api.scalling = { min: 1 };
    expect(errorsOf('environment.schema.json', env)).toContainEqual(
      expect.objectContaining({ keyword: 'additionalProperties', instancePath: '/overrides/services/api' }),
    );
  });

  it('a bad enum value', () => {
    const errors = errorsOf('environment.schema.json', { ...euProd(), runtime: 'kubernetis' });
    expect(errors).toContainEqual(expect.objectContaining({ keyword: 'enum', instancePath: '/runtime' }));
  });

  it('an unquoted runtime version (a YAML number)', () => {
    const errors = errorsOf('environment.schema.json', { ...euProd(), runtimeVersion: 1.3 });
    expect(errors).toContainEqual(expect.objectContaining({ keyword: 'type', instancePath: '/runtimeVersion' }));
  });

  it('an infraSecrets value that is not a reference', () => {
    const env = euProd();
    env.infraSecrets.MAIL_PASSWORD = 'hunter2hunter2';
    expect(errorsOf('environment.schema.json', env)).toContainEqual(expect.objectContaining({ instancePath: '/infraSecrets/MAIL_PASSWORD', keyword: 'pattern' }));
  });

  it('a secret that mixes both forms, or names an unknown generator', () => {
    const svc = api();
    svc.secrets.APP_KEY = { generate: 'laravel-app-key', from: 'infra' };
    svc.secrets.DB_PASSWORD = { generate: 'passwd' };
    const paths = errorsOf('service.schema.json', svc).map((e) => `${e.instancePath} ${e.keyword}`);
    expect(paths).toContain('/secrets/APP_KEY oneOf');
    expect(paths).toContain('/secrets/DB_PASSWORD/generate enum');
  });

  it('a tag in service.json image, and a port out of range', () => {
    const svc = api();
    svc.image = 'ghcr.io/harbor-labs/api:latest';
    svc.ports[0].port = 70000;
    const paths = errorsOf('service.schema.json', svc).map((e) => `${e.instancePath} ${e.keyword}`);
    expect(paths).toEqual(expect.arrayContaining(['/image pattern', '/ports/0/port maximum']));
  });

  it('a release image without tag or digest', () => {
    const rel = read('releases/2026.11.2.yaml') as Any;
    rel.images.api = 'ghcr.io/harbor-labs/api';
    expect(errorsOf('release.schema.json', rel)).toContainEqual(expect.objectContaining({ instancePath: '/images/api', keyword: 'pattern' }));
  });

  it('an attestation status outside the enum and a date that is not a date-time', () => {
    const pol = read('policies/attestation-policy.yaml') as Any;
    pol.results['eu-prod'] = { status: 'ok', at: '10 Nov 2026' };
    const paths = errorsOf('attestation-policy.schema.json', pol).map((e) => `${e.instancePath} ${e.keyword}`);
    expect(paths).toEqual(expect.arrayContaining(['/results/eu-prod/status enum', '/results/eu-prod/at format']));
  });
});

// The validator enforces these rules on every tree; here they guard the example itself, so it
// stays clean (it must compile) and keeps exactly one blocked target per block cause.
describe('bundled example is consistent', () => {
  const envs = docs('environments');

  it('passes the real validator with no error or warning, blocking exactly five targets, one per cause', async () => {
    const run = await runCli(['validate', '--format', 'json'], { cwd: root, env: { SOURCE_DATE_EPOCH: '1795132800' } });
    expect(run.exitCode, run.stdout).toBe(0);
    const findings = parseJsonLines(run.stdout);
    // Blue-green services on Compose targets are expected to warn: Compose cannot run two colours.
    expect(findings.filter((f) => f.severity !== 'notice' && f.code !== 'compose-blue-green')).toEqual([]);
    expect(findings.filter((f) => f.code === 'compose-blue-green').every((f) => f.severity === 'warning')).toBe(true);
    const blocked = findings.filter((f) => f.code === 'blocked').map((f) => f.file);
    for (const [name] of envs) {
      const text = readFileSync(join(root, 'environments', `${name}.yaml`), 'utf8');
      const markedBlocked = text.split('\n')[1]?.startsWith('# Blocked on purpose:') ?? false;
      expect(blocked.includes(`environments/${name}.yaml`), name).toBe(markedBlocked);
    }
    const causes = exampleTargets().filter((t) => t.status === 'blocked').map((t) => t.blockReasons.map((r) => r.cause));
    expect(causes.every((c) => c.length === 1)).toBe(true);
    expect(causes.map((c) => c[0]).sort()).toEqual(['attestation', 'backup-missing', 'license-revoked', 'release-revoked', 'runtime-unsupported']);
  });

  it('covers every mode, provider, runtime, reconciler and the main tiers, with at least 10 environments', () => {
    expect(envs.size).toBeGreaterThanOrEqual(10);
    const seen = (key: string) => new Set([...envs.values()].map((e) => e[key]));
    expect([...seen('mode')].sort()).toEqual(['enterprise', 'saas', 'self-hosted', 'white-label']);
    expect([...seen('provider')].sort()).toEqual(['aws', 'bare-metal', 'digitalocean']);
    expect([...seen('runtime')].sort()).toEqual(['compose', 'ecs', 'kubernetes']);
    expect([...seen('reconciler')].filter(Boolean).sort()).toEqual(['argocd', 'flux', 'update-agent']);
    expect([...seen('tier')]).toEqual(expect.arrayContaining(['production', 'staging', 'preview']));
  });

  it('holds only age public keys, never an identity', () => {
    const files = exampleFiles.map((f) => readFileSync(join(root, f.file), 'utf8'));
    for (const text of files) expect(text).not.toMatch(/AGE-SECRET-KEY/);
    const secretsPolicy = read('policies/secrets-policy.yaml') as Any;
    expect(secretsPolicy.recipients).toHaveLength(1);
  });
});
