import { describe, expect, it } from 'vitest';
import { parseJsonLines, runCli } from '../support/cli.js';
import { useTrees } from '../support/tree.js';

/**
 * Schema and reference findings in one pass: a file with a schema error still has its names checked,
 * as far as what is left of it is well-typed, so fixing takes one round, not two — and a rejected
 * value is never reported a second time as a wrong name.
 */

const makeTree = useTrees();
const prod = (edit: (text: string) => string) => edit('name: prod\nmode: saas\ntier: production\nprovider: aws\nruntime: kubernetes\nruntimeVersion: "1.30"\nregion: eu-west-1\nrelease: "1.0.0"\nbackups:\n  schedule: "0 2 * * *"\n  retentionDays: 30\n');

async function codes(edits: Record<string, string>): Promise<Array<[string, number, number]>> {
  const run = await runCli(['validate', '--format', 'json'], { cwd: makeTree(edits) });
  return parseJsonLines(run.stdout)
    .filter((finding) => finding.severity === 'error')
    .map((finding) => [finding.code, finding.line, finding.column]);
}

describe('schema and reference findings in one pass', () => {
  it('a wrong enum value and an unknown release in one environment', async () => {
    const text = prod((t) => t.replace('mode: saas', 'mode: sass').replace('release: "1.0.0"', 'release: "9.9.9"'));
    expect(await codes({ 'environments/prod.yaml': text })).toEqual([
      ['invalid-value', 2, 7],
      ['unknown-release', 8, 10],
    ]);
  });

  it('a missing required key and an unknown service (so api also misses the worker it depends on)', async () => {
    const text = prod((t) => t.replace('tier: production\n', '').concat('services: [api, wroker]\n'));
    expect(await codes({ 'environments/prod.yaml': text })).toEqual([
      ['missing-key', 1, 1],
      ['missing-dependency', 11, 11],
      ['unknown-service', 11, 17],
    ]);
  });

  it('a rejected release name is one invalid-value, not also an unknown release', async () => {
    const text = prod((t) => t.replace('release: "1.0.0"', 'release: "1.0.0!"'));
    expect(await codes({ 'environments/prod.yaml': text })).toEqual([['invalid-value', 8, 10]]);
  });

  it('a service with a wrong role and an unknown dependency', async () => {
    const service = '{\n  "name": "worker",\n  "role": "queue",\n  "image": "ghcr.io/example/worker",\n  "dependencies": { "services": ["apii"] }\n}\n';
    const found = await codes({ 'services/worker/service.json': service });
    expect(found.filter(([, line]) => line >= 1).map(([code]) => code)).toEqual(expect.arrayContaining(['invalid-value', 'unknown-service']));
    expect(found).toContainEqual(['unknown-service', 5, 34]);
  });
});
