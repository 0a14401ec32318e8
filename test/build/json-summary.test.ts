import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';
import { fixedEpoch, readTree, useTrees } from '../support/tree.js';

/** `build --format json` ends with one BuildSummary line; progress shows on a terminal, or on a pipe when asked. */

const makeTree = useTrees();
const lastLine = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;

describe('build --format json', () => {
  it('ends with one machine-readable summary line: built, blocked, unchanged, files, duration', async () => {
    const root = makeTree();
    const out = join(root, 'out');
    const first = await runCli(['build', '--no-sign', '--format', 'json', '--out', out], { cwd: root });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout.trimEnd().split('\n')).toHaveLength(1);
    const summary = lastLine(first.stdout);
    expect(summary).toEqual({ kind: 'BuildSummary', ok: true, environments: 2, built: 2, blocked: 0, unchanged: 0, reused: 0, invalid: 0, errors: 0, warnings: 0, files: readTree(out).size, signed: false, durationMs: expect.any(Number) });

    const again = await runCli(['build', '--no-sign', '--format', 'json', '--out', join(root, 'again'), '--previous', out], { cwd: root });
    expect(lastLine(again.stdout)).toMatchObject({ ok: true, built: 2, unchanged: 2 });

    const one = await runCli(['build', '--no-sign', '--format', 'json', '--out', join(root, 'one'), '--env', 'onprem'], { cwd: root });
    expect(lastLine(one.stdout)).toMatchObject({ ok: true, environments: 2, built: 1, files: readTree(join(root, 'one', 'environments', 'onprem')).size });
  });

  it('ends with the summary after the findings when the build fails', async () => {
    const root = makeTree({ 'environments/prod.yaml': 'name: prod\nmode: saas\n' });
    const run = await runCli(['build', '--no-sign', '--format', 'json'], { cwd: root });
    expect(run.exitCode).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lastLine(run.stdout)).toMatchObject({ kind: 'BuildSummary', ok: false, built: 0, invalid: 1, files: 0, errors: lines.length - 1 });
  });

  it('prints no summary line in the other formats', async () => {
    const root = makeTree();
    expect((await runCli(['build', '--no-sign'], { cwd: root })).stdout).toBe('');
  });
});

describe('build progress', () => {
  /** The CLI in-process with a clock that moves `stepMs` each time it is read. */
  async function build(root: string, options: { isTerminal: boolean; stepMs: number; extra?: string[] }): Promise<string> {
    let stderr = '';
    let time = 0;
    const code = await main(['build', '--no-sign', '--out', join(root, 'out'), ...(options.extra ?? [])], {
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
      env: { SOURCE_DATE_EPOCH: fixedEpoch },
      cwd: root,
      isTerminal: options.isTerminal,
      clock: () => (time += options.stepMs),
    });
    expect(code, stderr).toBe(0);
    return stderr;
  }

  it('a slow build on a terminal shows environments done/total on one line, redrawn', async () => {
    const stderr = await build(makeTree(), { isTerminal: true, stepMs: 1200 });
    expect(stderr).toContain('\rrendering 1/2 environments\rrendering 2/2 environments\n');
  });

  it('a quick build on a terminal shows none', async () => {
    expect(await build(makeTree(), { isTerminal: true, stepMs: 1 })).not.toContain('rendering');
  });

  it('nothing on a pipe, unless --progress asks for plain lines', async () => {
    expect(await build(makeTree(), { isTerminal: false, stepMs: 1200 })).not.toContain('rendering');
    const asked = await build(makeTree(), { isTerminal: false, stepMs: 1200, extra: ['--progress'] });
    expect(asked).toContain('rendering 1/2 environments\nrendering 2/2 environments\n');
    expect(asked).not.toContain('\r');
  });
});
