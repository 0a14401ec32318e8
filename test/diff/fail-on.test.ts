import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useTrees } from '../support/tree.js';

/** `diff --fail-on KINDS`: a CI gate that fails (exit 1) when a risk of a named kind is reported; off by default. */

const makeTree = useTrees();

/** A source tree built once (unsigned), then changed so that its database goes from postgres 16 to 15: data loss. */
async function downgradedDatabase(): Promise<{ root: string; deployed: string }> {
  const root = makeTree();
  const deployed = join(root, 'deployed');
  const built = await runCli(['build', '--no-sign', '--out', deployed], { cwd: root });
  expect(built.exitCode, built.stderr).toBe(0);
  const file = join(root, 'services', 'api', 'service.json');
  writeFileSync(file, readFileSync(file, 'utf8').replace('"version": "16"', '"version": "15"'));
  return { root, deployed };
}

describe('diff --fail-on', () => {
  it('exits 1 when a reported risk is of a named kind, after printing the whole diff', async () => {
    const { root, deployed } = await downgradedDatabase();
    for (const format of ['text', 'json', 'markdown']) {
      const run = await runCli(['diff', '--against', deployed, '--format', format, '--fail-on', 'data-loss,downtime,security'], { cwd: root });
      expect(run.exitCode, format).toBe(1);
      expect(run.stdout, format).toMatch(/major/);
      expect(run.stderr).toContain('risk(s) of a kind --fail-on names (data-loss)');
    }
  });

  it('exits 0 without --fail-on, and when no risk is of a named kind', async () => {
    const { root, deployed } = await downgradedDatabase();
    expect((await runCli(['diff', '--against', deployed], { cwd: root })).exitCode).toBe(0);
    const run = await runCli(['diff', '--against', deployed, '--fail-on', 'downtime,policy'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('data loss');
  });

  it('an unknown kind is wrong usage (exit 2)', async () => {
    const root = makeTree();
    for (const kinds of ['dataloss', '', 'data-loss,nope']) {
      const run = await runCli(['diff', '--against', root, '--fail-on', kinds], { cwd: root });
      expect(run.exitCode, kinds).toBe(2);
      expect(run.stderr).toContain('give a comma-separated list of data-loss, downtime, security, policy');
    }
  });
});
