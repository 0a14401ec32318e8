import { describe, expect, it } from 'vitest';
import { parseJsonLines, runCli } from '../support/cli.js';
import { corpus } from './corpus-cases.js';
import { editedTree } from './support.js';


describe('broken inputs are reported at their file, line and column', () => {
  it('has at least 30 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const root = editedTree(testCase.files, 'minimal');
    const run = await runCli(['validate', '--format', 'json'], { cwd: root });
    const findings = parseJsonLines(run.stdout);
    expect(run.exitCode, run.stdout + run.stderr).toBe(testCase.exitCode ?? 1);
    const { code, file, line, column } = testCase.expect;
    const match = findings.find((f) => f.code === code && f.file === file);
    expect(match, `no ${code} in ${file}; got:\n${run.stdout}`).toBeDefined();
    expect({ line: match!.line, column: match!.column }).toEqual({ line, column });
    if (testCase.message) expect(match!.message).toMatch(testCase.message);
  });
});
