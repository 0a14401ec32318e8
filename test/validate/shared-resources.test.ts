import { describe, expect, it } from 'vitest';
import { parseJsonLines, runCli } from '../support/cli.js';
import { useTrees } from '../support/tree.js';

/** One shared resource, one version: two services declaring different ones is a located error, not a silent upgrade. */

const makeTree = useTrees();
const worker = (resource: string) =>
  `{\n  "name": "worker",\n  "role": "worker",\n  "image": "ghcr.io/example/worker",\n  "command": ["php", "artisan", "queue:work"],\n  "secrets": { "APP_KEY": { "generate": "laravel-app-key" } },\n  "dependencies": { "resources": [${resource}] }\n}\n`;

describe('a shared resource declared by two services', () => {
  it('with two versions: resource-conflict at the second declaration\'s version', async () => {
    const root = makeTree({ 'services/worker/service.json': worker('{ "name": "database", "type": "postgres", "version": "15" }') });
    const run = await runCli(['validate', '--format', 'json'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(parseJsonLines(run.stdout).filter((finding) => finding.code === 'resource-conflict')).toEqual([
      {
        severity: 'error',
        code: 'resource-conflict',
        file: 'services/worker/service.json',
        line: 7,
        column: 88,
        message: 'resource "database" is postgres 15 here but postgres 16 in service "api"; one shared resource runs one version — declare the same version in both, or leave it out here',
      },
    ]);
  });

  it('with the same version, or one leaving it out, is one resource', async () => {
    for (const resource of ['{ "name": "database", "type": "postgres", "version": "16" }', '{ "name": "database", "type": "postgres" }']) {
      const run = await runCli(['validate', '--format', 'json'], { cwd: makeTree({ 'services/worker/service.json': worker(resource) }) });
      expect(run.exitCode, run.stdout).toBe(0);
    }
  });

  it('with two types: one finding at the type, not also one for the version', async () => {
    const root = makeTree({ 'services/worker/service.json': worker('{ "name": "database", "type": "mysql", "version": "8" }') });
    const findings = parseJsonLines((await runCli(['validate', '--format', 'json'], { cwd: root })).stdout).filter((finding) => finding.code === 'resource-conflict');
    expect(findings).toEqual([expect.objectContaining({ line: 7, message: expect.stringContaining('is a mysql here but a postgres in service "api"') })]);
  });
});
