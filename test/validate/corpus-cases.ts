import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../support/tree.js';

export interface CorpusCase {
  name: string;
  /** Files replacing (or, with null, removing) those of the `minimal` fixture tree. */
  files: Record<string, string | null>;
  expect: { code: string; file: string; line: number; column: number };
  message?: RegExp;
  exitCode?: number;
}

const original = (path: string) => readFileSync(join(fixturesDir, 'minimal', path), 'utf8');
const prod = original('environments/prod.yaml');
const api = JSON.parse(original('services/api/service.json')) as Record<string, unknown>;
const apiJson = (changes: Record<string, unknown>) => JSON.stringify({ ...api, ...changes }, null, 2);

export const corpus: CorpusCase[] = [
  {
    name: 'misspelt environment key, with a suggestion',
    files: { 'environments/prod.yaml': prod.replace('region:', 'regoin:') },
    expect: { code: 'unknown-key', file: 'environments/prod.yaml', line: 8, column: 1 },
    message: /did you mean "region"/,
  },
  {
    name: 'wrong enum value for runtime',
    files: { 'environments/prod.yaml': prod.replace('runtime: kubernetes', 'runtime: kubernetis') },
    expect: { code: 'invalid-value', file: 'environments/prod.yaml', line: 6, column: 10 },
    message: /did you mean "kubernetes"/,
  },
  {
    name: 'duplicate key',
    files: { 'environments/prod.yaml': `${prod}tier: staging\n` },
    expect: { code: 'duplicate-key', file: 'environments/prod.yaml', line: 13, column: 1 },
  },
  {
    name: 'YAML syntax error',
    files: { 'environments/prod.yaml': prod.replace('region: eu-west-1', 'region: [eu-west-1') },
    expect: { code: 'yaml-syntax', file: 'environments/prod.yaml', line: 9, column: 1 },
  },
  {
    name: 'missing required key is reported at the mapping',
    files: { 'environments/prod.yaml': prod.replace('tier: production\n', '') },
    expect: { code: 'missing-key', file: 'environments/prod.yaml', line: 2, column: 1 },
    message: /"tier"/,
  },
  {
    name: 'release that does not exist',
    files: { 'environments/prod.yaml': prod.replace('release: "1.0.0"', 'release: "1.0.1"') },
    expect: { code: 'unknown-release', file: 'environments/prod.yaml', line: 9, column: 10 },
  },
  {
    name: 'environment name differs from its file name',
    files: { 'environments/prod.yaml': prod.replace('name: prod', 'name: production') },
    expect: { code: 'name-mismatch', file: 'environments/prod.yaml', line: 2, column: 7 },
  },
  {
    name: 'dependency cycle',
    files: {
      'services/worker/service.json': JSON.stringify({ ...JSON.parse(original('services/worker/service.json')), dependencies: { services: ['api'] } }, null, 2),
    },
    expect: { code: 'dependency-cycle', file: 'services/api/service.json', line: 9, column: 18 },
    message: /api → worker → api/,
  },
  {
    name: 'APP_DEBUG on in production through an override',
    files: { 'environments/prod.yaml': `${prod}overrides:\n  services:\n    api:\n      env:\n        APP_DEBUG: "true"\n` },
    expect: { code: 'debug-in-production', file: 'environments/prod.yaml', line: 17, column: 20 },
  },
  {
    name: 'plaintext secret in service env',
    files: { 'services/api/service.json': apiJson({ env: { APP_ENV: 'production', DB_PASSWORD: 'hunter2hunter2' } }) },
    expect: { code: 'plaintext-secret', file: 'services/api/service.json', line: 14, column: 20 },
  },
  {
    name: 'health check names an unknown port',
    files: { 'services/api/service.json': apiJson({ health: { path: '/healthz', port: 'htp' } }) },
    expect: { code: 'unknown-port', file: 'services/api/service.json', line: 40, column: 13 },
    message: /did you mean "http"/,
  },
];
