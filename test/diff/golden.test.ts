import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareTrees } from '../../src/diff/compare.js';
import { renderMarkdown } from '../../src/report/diff-markdown.js';
import { renderJson, renderText } from '../../src/report/diff-text.js';
import { fileMap, index, manifest, sops, yaml } from './trees.js';

/**
 * Golden files of the three diff formats for one small, hand-made pair of trees that exercises
 * every kind of change: a changed environment (compose, Helm values, Terraform, secrets, manifest,
 * signature), an added one, a removed one, a newly blocked one, an unchanged one, project files.
 * Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/diff/golden.test.ts` and review the change.
 */
const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

const oldTree = {
  'index.json': index({ name: 'eu-prod' }, { name: 'legacy' }, { name: 'onprem' }, { name: 'staging' }),
  'README.md': '# Deploy repository\n\n| eu-prod | 1.0.0 |\n',
  'environments/eu-prod/release.json': manifest('eu-prod', { release: '1.0.0', sequence: 4 }),
  'environments/eu-prod/release.json.sig': 'c2lnbmF0dXJl\n',
  'environments/eu-prod/compose/docker-compose.yml': yaml({
    services: { api: { image: 'ghcr.io/acme/api:1.0.0', deploy: { replicas: 2 }, environment: { APP_DEBUG: 'false' } }, db: { image: 'postgres:15' } },
    volumes: { pgdata: {} },
  }),
  'environments/eu-prod/helm/api.values.yaml': yaml({ replicaCount: 3, image: { tag: '1.0.0' } }),
  'environments/eu-prod/terraform/main.tf': 'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n  engine_version = "15.4"\n}\n',
  'environments/eu-prod/secrets/secrets.sops.yaml': sops({ APP_KEY: 'b2xkLWtleQ', MAIL_PASSWORD: 'b2xkLW1haWw' }),
  'environments/legacy/release.json': manifest('legacy'),
  'environments/legacy/README.md': 'legacy\n',
  'environments/onprem/release.json': manifest('onprem'),
  'environments/staging/release.json': manifest('staging'),
};

const newTree = {
  ...oldTree,
  'index.json': index({ name: 'eu-prod', release: '1.1.0' }, { name: 'onprem', status: 'blocked', reasons: ['license LIC-0042 is revoked (policies/target-policy.yaml revokedLicenses)'] }, { name: 'staging' }, { name: 'us-prod' }),
  'README.md': '# Deploy repository\n\n| eu-prod | 1.1.0 |\n',
  'environments/eu-prod/release.json': manifest('eu-prod', { release: '1.1.0', sequence: 5, previous: createHash('sha256').update(oldTree['environments/eu-prod/release.json']).digest('hex') }),
  'environments/eu-prod/release.json.sig': undefined,
  'environments/eu-prod/compose/docker-compose.yml': yaml({
    services: { api: { image: 'ghcr.io/acme/api:1.1.0', deploy: { replicas: 1 }, environment: { APP_DEBUG: 'true' }, ports: ['8443:443'] } },
  }),
  'environments/eu-prod/helm/api.values.yaml': yaml({ replicaCount: 1, image: { tag: '1.1.0' }, strategy: { type: 'Recreate' } }),
  'environments/eu-prod/terraform/main.tf': 'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n  engine_version = "16.2"\n}\n',
  'environments/eu-prod/secrets/secrets.sops.yaml': sops({ APP_KEY: 'bmV3LWtleQ', MAIL_PASSWORD: 'b2xkLW1haWw', QUEUE_TOKEN: 'bmV3LXRva2Vu' }),
  'environments/legacy/release.json': undefined,
  'environments/legacy/README.md': undefined,
  'environments/us-prod/release.json': manifest('us-prod'),
  'environments/us-prod/README.md': 'us-prod\n',
};

const defined = (tree: Record<string, string | undefined>) => Object.fromEntries(Object.entries(tree).filter((e): e is [string, string] => e[1] !== undefined));
const report = compareTrees('deploy.git#main', fileMap(oldTree), fileMap(defined(newTree)));

function golden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path)) throw new Error(`test/diff/golden/${name} is missing: run UPDATE_GOLDEN=1 npx vitest run test/diff/golden.test.ts`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('diff output (golden files)', () => {
  it('text', () => golden('diff.txt', renderText(report, false)));
  it('markdown', () => golden('diff.md', renderMarkdown(report)));
  it('json', () => golden('diff.json', renderJson(report)));

  it('shows no ciphertext or secret value, in any format', () => {
    for (const text of [renderText(report, false), renderMarkdown(report), renderJson(report)]) {
      expect(text).not.toMatch(/ENC\[|b2xk|bmV3/);
      expect(text).toMatch(/APP_KEY/);
    }
  });
});
