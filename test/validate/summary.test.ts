import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useTrees } from '../support/tree.js';

/** The summary line adds up, and calls no environment ready while an error stops the build. */

const makeTree = useTrees();
const summaryOf = (stderr: string) => stderr.trimEnd().split('\n').at(-1);

describe('the summary line', () => {
  it('counts every environment ready when nothing is wrong', async () => {
    const run = await runCli(['validate'], { cwd: makeTree() });
    expect(summaryOf(run.stderr)).toBe('2 environments: 2 ready, 0 blocked; 0 errors, 0 warnings');
  });

  it('calls none ready while an error in a shared file stops the build', async () => {
    const root = makeTree({ 'slipway.yaml': 'deployRepo: 42\n' });
    for (const command of [['validate'], ['build', '--no-sign']]) {
      const run = await runCli(command, { cwd: root });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('2 environments: 0 ready, 0 blocked, 2 held back by errors in other files; 1 error, 0 warnings');
    }
  });

  it('counts an environment whose own file has errors as such', async () => {
    const root = makeTree({ 'environments/prod.yaml': 'name: prod\n' });
    const run = await runCli(['validate'], { cwd: root });
    expect(summaryOf(run.stderr)).toMatch(/^2 environments: 0 ready, 0 blocked, 1 with errors, 1 held back by errors in other files; \d+ errors, 0 warnings$/);
  });
});
