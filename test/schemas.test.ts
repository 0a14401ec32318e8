import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAjv } from '../src/validate/schemas.js';


const schemasDir = fileURLToPath(new URL('../schemas/', import.meta.url));
const EXPECTED = [
  'attestation-policy.schema.json',
  'environment.schema.json',
  'overlay.schema.json',
  'provisioning-policy.schema.json',
  'release.schema.json',
  'secrets-policy.schema.json',
  'service.schema.json',
  'slipway.schema.json',
  'target-policy.schema.json',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };
const isNode = (v: Json | undefined): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const load = (file: string) => JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as Node;

/** Visits every subschema, with a JSON-pointer-ish path. */
function walk(node: Json | undefined, path: string, visit: (schema: Node, path: string, parentKey: string) => void, parentKey = ''): void {
  if (!isNode(node)) return;
  visit(node, path, parentKey);
  for (const key of ['properties', '$defs'] as const) {
    const map = node[key];
    if (isNode(map)) for (const [name, sub] of Object.entries(map)) walk(sub, `${path}/${key}/${name}`, visit, key);
  }
  for (const key of ['items', 'additionalProperties', 'propertyNames', 'not', 'if', 'then', 'else'] as const) walk(node[key], `${path}/${key}`, visit, key);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((sub, i) => walk(sub, `${path}/${key}/${i}`, visit, key));
  }
}

describe('schemas/', () => {
  it('holds exactly the expected schema files', () => {
    expect(readdirSync(schemasDir).filter((f) => f.endsWith('.json')).sort()).toEqual(EXPECTED);
  });

  describe.each(EXPECTED)('%s', (file) => {
    const schema = load(file);

    it('compiles with Ajv 2020-12 in strict mode with ajv-formats', () => {
      const ajv = createAjv();
      expect(() => ajv.compile(schema)).not.toThrow();
    });

    it('declares draft 2020-12, its $id and a title', () => {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(`https://slipway.dev/schemas/v1/${file}`);
      expect(typeof schema.title).toBe('string');
      expect(typeof schema.description).toBe('string');
    });

    it('describes every property and every shared definition', () => {
      const missing: string[] = [];
      walk(schema, '#', (node, path, parentKey) => {
        if ((parentKey === 'properties' || parentKey === '$defs') && typeof node.description !== 'string') missing.push(path);
      });
      expect(missing).toEqual([]);
    });

    it('closes every object with properties, and titles every oneOf branch', () => {
      const open: string[] = [];
      const untitled: string[] = [];
      walk(schema, '#', (node, path, parentKey) => {
        if (node.type === 'object' && node.additionalProperties === undefined) open.push(path);
        if (parentKey === 'oneOf' && typeof node.title !== 'string') untitled.push(path);
      });
      expect(open).toEqual([]);
      expect(untitled).toEqual([]);
    });

    it('resolves every $ref inside the file', () => {
      const dangling: string[] = [];
      walk(schema, '#', (node, path) => {
        const ref = node.$ref;
        if (typeof ref !== 'string') return;
        const target = ref.startsWith('#/$defs/') ? (schema.$defs as Node | undefined)?.[ref.slice(8)] : undefined;
        if (!isNode(target)) dangling.push(`${path} -> ${ref}`);
      });
      expect(dangling).toEqual([]);
    });
  });
});

describe('shared patterns', () => {
  const ajv = createAjv();
  const env = load('environment.schema.json');
  const rel = load('release.schema.json');
  const svc = load('service.schema.json');
  const slip = load('slipway.schema.json');
  ajv.addSchema([env, rel, svc, slip]);
  const check = (id: string, def: string, value: unknown) => {
    const fn = ajv.getSchema(`https://slipway.dev/schemas/v1/${id}#/$defs/${def}`);
    if (!fn) throw new Error(`no ${def} in ${id}`);
    return fn(value);
  };

  it.each([
    ['ghcr.io/harbor-labs/api', true],
    ['nginx', true],
    ['library/nginx', true],
    ['registry.example.com:5000/team/app', true],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/harbor/api', true],
    ['ghcr.io/harbor-labs/api:1.2.3', false],
    ['ghcr.io/harbor-labs/api@sha256:' + 'a'.repeat(64), false],
    ['GHCR.io/Harbor/API', false],
    ['', false],
  ])('image repository %s → %s', (value, ok) => expect(check('service.schema.json', 'imageRepository', value)).toBe(ok));

  it.each([
    ['ghcr.io/harbor-labs/api:pr-1234', true],
    ['ghcr.io/harbor-labs/api@sha256:' + 'a'.repeat(64), true],
    ['ghcr.io/harbor-labs/api:2026.11.2@sha256:' + '0'.repeat(64), true],
    ['localhost:5000/api:dev', true],
    ['ghcr.io/harbor-labs/api', false],
    ['ghcr.io/harbor-labs/api@sha256:' + 'a'.repeat(63), false],
    ['ghcr.io/harbor-labs/api@sha256:' + 'A'.repeat(64), false],
  ])('image reference %s → %s', (value, ok) => expect(check('release.schema.json', 'imageReference', value)).toBe(ok));

  it.each([
    ['30 2 * * *', true],
    ['*/15 * * * *', true],
    ['0 4 * * 1-6', true],
    ['0 0 1,15 * MON', true],
    ['0 3 * *', false],
    ['0 3 * * * *', false],
    ['daily', false],
  ])('cron %s → %s', (value, ok) => expect(check('environment.schema.json', 'cron', value)).toBe(ok));

  it.each([
    ['arn:aws:secretsmanager:eu-central-1:111122223333:secret:harbor/mail-Ab12Cd', true],
    ['vault:secret/data/harbor/smtp#password', true],
    ['do:harbor/staging/mail', true],
    ['env:HARBOR_MAIL_PASSWORD', true],
    ['hunter2', false],
    ['arn:aws:secretsmanager:eu-central-1:1111:secret:x', false],
    ['env:1BAD', false],
  ])('infraSecrets reference %s → %s', (value, ok) => expect(check('environment.schema.json', 'infraSecretRef', value)).toBe(ok));

  it.each([
    ['10.42.0.0/16', true],
    ['192.168.1.0/24', true],
    ['10.42.0.0', false],
    ['300.1.1.1/8', false],
    ['10.0.0.0/33', false],
  ])('cidr %s → %s', (value, ok) => expect(check('environment.schema.json', 'cidr', value)).toBe(ok));

  it.each([
    ['250m', true],
    ['1', true],
    ['0.5', true],
    ['1.5Gi', false],
    ['-1', false],
  ])('cpu %s → %s', (value, ok) => expect(check('service.schema.json', 'cpuQuantity', value)).toBe(ok));

  it.each([
    ['512Mi', true],
    ['2Gi', true],
    ['1G', true],
    ['512mb', false],
  ])('memory %s → %s', (value, ok) => expect(check('service.schema.json', 'memoryQuantity', value)).toBe(ok));

  it.each([
    ['2026.11.2', true],
    ['2026.11.3-rc.1', true],
    ['1.0.0+build.7', true],
    ['-1', false],
    ['2026/11', false],
  ])('release version %s → %s', (value, ok) => expect(check('release.schema.json', 'releaseVersion', value)).toBe(ok));

  it('accepts a real age recipient and rejects an identity', () => {
    expect(check('environment.schema.json', 'ageRecipient', 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p')).toBe(true);
    expect(check('environment.schema.json', 'ageRecipient', 'AGE-SECRET-KEY-1QQQ')).toBe(false);
  });

  it.each([
    ['github:harbor-labs/deploy', true],
    ['https://github.com/harbor-labs/deploy.git', true],
    ['git@github.com:harbor-labs/deploy.git', true],
    ['file:///srv/git/deploy.git', true],
    ['harbor-labs/deploy', false],
  ])('deployRepo %s → %s', (value, ok) => {
    const fn = ajv.getSchema('https://slipway.dev/schemas/v1/slipway.schema.json');
    expect(fn?.({ deployRepo: value })).toBe(ok);
  });
});
