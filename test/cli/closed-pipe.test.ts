import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { fixedEpoch, makeTree, removeTree, repositoryRoot } from '../support/tree.js';
import { bareRepository, build, cleanUp, signedSource, tempDir } from '../publish/helpers.js';

/**
 * The real CLI (`bin/slipway.js`) with its reader gone, as in `slipway validate --format json | head -1`:
 * a closed pipe must end the command quietly with its own status, never with a stack trace.
 */

interface Ended {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI and closes its stdout after `keepLines` lines (0: at once), and its stderr too with
 * `closeStderr`, so every later write of the command meets EPIPE.
 */
function runWithClosedPipe(args: string[], cwd: string, options: { keepLines?: number; closeStderr?: boolean } = {}): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repositoryRoot, 'bin', 'slipway.js'), ...args], {
      cwd,
      env: { ...process.env, SOURCE_DATE_EPOCH: fixedEpoch, NO_COLOR: '1', GITHUB_ACTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const keep = options.keepLines ?? 0;
    if (keep === 0) child.stdout.destroy();
    else
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.split('\n').length > keep) child.stdout.destroy();
      });
    if (options.closeStderr) child.stderr.destroy();
    else child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}

function expectQuiet(run: Ended, status: number): void {
  expect(run.signal).toBeNull();
  expect(run.stderr).not.toMatch(/EPIPE|Unhandled|bug in Slipway|at .*\.js:\d+/);
  expect(run.exitCode, run.stderr).toBe(status);
}

const describeTools = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));

describeTools('a closed pipe ends every printing command quietly', () => {
  let noisy: string;
  let root: string;
  let out: string;

  beforeAll(async () => {
    // 40 environments with 120 unknown keys each: far more findings than a pipe buffers, so the
    // writer is still writing long after the reader has gone.
    const edits: Record<string, string> = {};
    for (let n = 1; n <= 40; n++) {
      edits[`environments/e${n}.yaml`] = `name: e${n}\n${Array.from({ length: 120 }, (_, k) => `bogusKey${k}: 1\n`).join('')}`;
    }
    noisy = makeTree(edits);
    root = signedSource();
    out = await build(root);
  });
  afterAll(() => {
    removeTree(noisy);
    cleanUp();
  });

  it('validate --format json | head -1: the first finding, then exit 1 (the findings are errors), no stack trace', async () => {
    const run = await runWithClosedPipe(['validate', '--format', 'json', '--root', noisy], repositoryRoot, { keepLines: 1 });
    expectQuiet(run, 1);
    expect(JSON.parse(run.stdout.split('\n')[0]!)).toMatchObject({ severity: 'error', file: expect.stringMatching(/^environments\/e\d+\.yaml$/) });
  });

  it('validate with both stdout and stderr closed still ends with its status', async () => {
    expectQuiet(await runWithClosedPipe(['validate', '--root', noisy], repositoryRoot, { closeStderr: true }), 1);
    expectQuiet(await runWithClosedPipe(['validate', '--format', 'json'], root, { closeStderr: true }), 0);
  });

  it('build, diff, plan and verify', async () => {
    const target = join(tempDir('slipway-pipe-'), 'output');
    expectQuiet(await runWithClosedPipe(['build', '--no-sign', '--format', 'json', '--out', target], root), 0);
    expectQuiet(await runWithClosedPipe(['build', '--no-sign', '--out', target], root, { closeStderr: true }), 0);
    expectQuiet(await runWithClosedPipe(['diff', '--against', out], root), 0);
    expectQuiet(await runWithClosedPipe(['plan', 'prod'], root), 0);
    expectQuiet(await runWithClosedPipe(['verify', out], root), 0);
    expectQuiet(await runWithClosedPipe(['verify', out], root, { closeStderr: true }), 0);
  });

  it('publish, keygen and secrets sync', async () => {
    const bare = bareRepository();
    expectQuiet(await runWithClosedPipe(['publish', '--out', out, '--to', bare], root), 0);
    expectQuiet(await runWithClosedPipe(['keygen', '--out', join(tempDir('slipway-keys-'), 'keys')], root), 0);
    expectQuiet(await runWithClosedPipe(['secrets', 'sync'], root, { closeStderr: true }), 0);
  });
});
