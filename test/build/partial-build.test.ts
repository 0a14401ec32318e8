import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { readTree, useTrees, repositoryRoot } from '../support/tree.js';

const newTree = useTrees();


/** The real CLI in a child process, so shards can run at the same time. */
function slipway(args: string[], cwd: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repositoryRoot, 'bin', 'slipway.js'), ...args], { cwd, env: { ...process.env, SOURCE_DATE_EPOCH: '1795132800', NO_COLOR: '1' }, stdio: 'ignore' });
    child.on('error', fail);
    child.on('exit', (code) => done(code ?? -1));
  });
}

describe('partial builds', () => {
  it('shards built at the same time into one --out add up to the full build, byte for byte', async () => {
    const root = newTree();
    expect(await slipway(['build', '--no-sign', '--root', repositoryRoot, '--out', join(root, 'full')], root)).toBe(0);
    const codes = await Promise.all([1, 2, 3].map((k) => slipway(['build', '--no-sign', '--root', repositoryRoot, '--out', join(root, 'sharded'), '--shard', `${k}/3`], root)));
    expect(codes).toEqual([0, 0, 0]);
    expect(readTree(join(root, 'sharded'))).toEqual(readTree(join(root, 'full')));
  });

  it('--env re-renders one environment and leaves the others as they are', async () => {
    const root = newTree();
    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(0);
    const before = readTree(join(root, 'output'));
    rmSync(join(root, 'output', 'environments', 'prod'), { recursive: true });
    const run = await runCli(['build', '--no-sign', '--env', 'prod'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('wrote 1 of 2 environments');
    expect(readTree(join(root, 'output'))).toEqual(before);
  });

  it('rejects a malformed --shard with exit 2', async () => {
    const root = newTree();
    for (const shard of ['0/3', '4/3', 'a/b', '1']) expect((await runCli(['build', '--no-sign', '--shard', shard], { cwd: root })).exitCode).toBe(2);
  });
});
