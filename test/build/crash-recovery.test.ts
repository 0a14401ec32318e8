import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixturesDir, readTree, useTrees } from '../support/tree.js';
import { isBuildRecord } from '../kill/support.js';

/**
 * The states a killed build or secrets command can leave, made by hand, and what the next run does
 * with them. `test/kill/` kills the real CLI at random moments; this file reaches the narrow windows
 * (between two renames) that random kills rarely hit.
 */

const tree = useTrees();
const identity = readFileSync(join(fixturesDir, 'identities', 'minimal.age.txt'), 'utf8');

/** The PID of a process that has exited: what a killed build leaves in its temporaries' names. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** A tree built once in full, and that build's output as a reference. */
async function builtTree(): Promise<{ root: string; reference: Map<string, Buffer> }> {
  const root = tree();
  const run = await runCli(['build', '--no-sign'], { cwd: root });
  expect(run.exitCode, run.stderr).toBe(0);
  return { root, reference: readTree(join(root, 'output')) };
}

const hidden = (dir: string) => readdirSync(dir).filter((name) => (name.startsWith('.') || name.endsWith('.lock')) && !isBuildRecord(name));

describe('recovery from a killed build', () => {
  let dead: number;
  beforeAll(() => {
    dead = deadPid();
  });

  for (const args of [[], ['--env', 'prod']]) {
    const kind = args.length === 0 ? 'full' : '--env';
    it(`a ${kind} build restores the output a killed build had moved aside, and removes its temporaries and lock`, async () => {
      const { root, reference } = await builtTree();
      // Killed between its two renames: no output, the previous one aside, staging beside it, the lock held.
      renameSync(join(root, 'output'), join(root, `.output.previous-${dead}`));
      mkdirSync(join(root, `.output.staging-${dead}`, 'environments'), { recursive: true });
      writeFileSync(join(root, 'output.lock'), String(dead));
      writeFileSync(join(root, `.output.lock.staging-${dead}`), String(dead));

      const run = await runCli(['build', '--no-sign', ...args], { cwd: root });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(readTree(join(root, 'output'))).toEqual(reference);
      expect(hidden(root)).toEqual([]);
    });
  }

  /**
   * An incremental build killed in the middle of its in-place update: prod's new folder already in,
   * the old one aside, index.json still waiting in the update folder, the plan written. Any later
   * run completes the update, so the output is the new build exactly.
   */
  for (const next of [['build', '--no-sign'], ['build', '--no-sign', '--env', 'onprem']]) {
    it(`\`${next.join(' ')}\` completes the in-place update a killed build had started`, async () => {
      const { root } = await builtTree();
      writeFileSync(join(root, 'environments', 'prod.yaml'), readFileSync(join(root, 'environments', 'prod.yaml'), 'utf8').replace('region: eu-west-1', 'region: eu-central-1'));
      const fresh = join(root, 'fresh');
      expect((await runCli(['build', '--no-sign', '--out', fresh], { cwd: root })).exitCode).toBe(0);
      const expected = readTree(fresh);
      const update = join(root, `.output.update-${dead}`);
      const plan = { steps: [{ path: 'environments/prod', action: 'replace' }, { path: 'index.json', action: 'replace' }, { path: 'release-index.json', action: 'replace' }, { path: 'README.md', action: 'replace' }] };
      mkdirSync(join(update, 'new', 'environments'), { recursive: true });
      mkdirSync(join(update, 'old', 'environments'), { recursive: true });
      for (const file of ['index.json', 'release-index.json', 'README.md']) cpSync(join(fresh, file), join(update, 'new', file));
      renameSync(join(root, 'output', 'environments', 'prod'), join(update, 'old', 'environments', 'prod'));
      cpSync(join(fresh, 'environments', 'prod'), join(root, 'output', 'environments', 'prod'), { recursive: true });
      writeFileSync(join(update, 'plan.json'), JSON.stringify(plan));

      const run = await runCli([...next, '--out', 'output'], { cwd: root });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(readTree(join(root, 'output'))).toEqual(expected);
      expect(hidden(root)).toEqual([]);
    });
  }

  it('removes the half-written build record a killed build left beside the output', async () => {
    const { root } = await builtTree();
    writeFileSync(join(root, `..output.build-record.json.staging-${dead}`), '{"format"');
    expect((await runCli(['build', '--no-sign', '--env', 'prod'], { cwd: root })).exitCode).toBe(0);
    expect(hidden(root)).toEqual([]);
  });

  it('an update killed before its plan was written is dropped: the output stays the previous build', async () => {
    const { root, reference } = await builtTree();
    const update = join(root, `.output.update-${dead}`);
    mkdirSync(join(update, 'new', 'environments', 'prod'), { recursive: true });
    writeFileSync(join(update, 'new', 'index.json'), '{}');
    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(0);
    expect(readTree(join(root, 'output'))).toEqual(reference);
    expect(hidden(root)).toEqual([]);
  });

  it('a build that fails validation leaves the aside output and the temporaries for the next one', async () => {
    const { root } = await builtTree();
    renameSync(join(root, 'output'), join(root, `.output.previous-${dead}`));
    writeFileSync(join(root, 'environments', 'prod.yaml'), 'name: [');
    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(1);
    expect(hidden(root)).toEqual([`.output.previous-${dead}`]);
  });

  it('never touches the temporaries of a build still running, nor hidden entries it did not make', async () => {
    const { root, reference } = await builtTree();
    const running = process.ppid;
    mkdirSync(join(root, `.output.staging-${running}`));
    mkdirSync(join(root, '.output.staging-mine'));
    mkdirSync(join(root, `.other.staging-${dead}`));
    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(0);
    expect(readTree(join(root, 'output'))).toEqual(reference);
    expect(hidden(root).sort()).toEqual([`.other.staging-${dead}`, '.output.staging-mine', `.output.staging-${running}`].sort());
  });

  it('an --env build repairs the staging and previous folders older versions left inside the output', async () => {
    const { root, reference } = await builtTree();
    const environments = join(root, 'output', 'environments');
    renameSync(join(environments, 'prod'), join(environments, `.prod.previous-${dead}`));
    cpSync(join(environments, 'onprem'), join(environments, `.onprem.staging-${dead}`), { recursive: true });
    cpSync(join(environments, 'onprem'), join(environments, `.onprem.previous-${dead}`), { recursive: true });
    writeFileSync(join(root, 'output', `.README.md.staging-${dead}`), 'partial');

    const run = await runCli(['build', '--no-sign', '--env', 'onprem'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(readTree(join(root, 'output'))).toEqual(reference);
  });

  it('an --env build keeps the owner’s hidden root entries, like a checkout’s .git', async () => {
    const { root, reference } = await builtTree();
    mkdirSync(join(root, 'output', '.git'));
    writeFileSync(join(root, 'output', '.git', 'HEAD'), 'ref: refs/heads/main\n');
    expect((await runCli(['build', '--no-sign', '--env', 'prod'], { cwd: root })).exitCode).toBe(0);
    expect(readTree(join(root, 'output'))).toEqual(new Map([...reference, ['.git/HEAD', Buffer.from('ref: refs/heads/main\n')]]));
  });

  it('takes over a lock that an older version left empty, once it is old enough', async () => {
    const { root, reference } = await builtTree();
    writeFileSync(join(root, 'output.lock'), '');
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'output.lock'), longAgo, longAgo);
    expect((await runCli(['build', '--no-sign', '--env', 'prod'], { cwd: root })).exitCode).toBe(0);
    expect(readTree(join(root, 'output'))).toEqual(reference);
    expect(hidden(root)).toEqual([]);
  });

  it('still refuses to replace a folder that is not Slipway output, aside or not', async () => {
    const root = tree();
    mkdirSync(join(root, `.output.previous-${dead}`));
    writeFileSync(join(root, `.output.previous-${dead}`, 'notes.txt'), 'mine');
    mkdirSync(join(root, 'output'));
    writeFileSync(join(root, 'output', 'notes.txt'), 'mine too');
    const run = await runCli(['build', '--no-sign'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('does not look like Slipway output');
    expect(readFileSync(join(root, 'output', 'notes.txt'), 'utf8')).toBe('mine too');
  });
});

describe('recovery from a killed secrets command', () => {
  it('sync and rotate remove the temporaries of dead runs beside the secrets files, not those of live ones', async () => {
    const root = tree();
    const dead = deadPid();
    const running = process.ppid;
    const before = readFileSync(join(root, 'secrets', 'prod.sops.yaml'));
    writeFileSync(join(root, 'secrets', `.prod.sops.yaml.staging-${dead}`), before.subarray(0, 100));
    writeFileSync(join(root, 'secrets', `.onprem.sops.yaml.staging-${running}`), 'in progress');
    expect((await runCli(['secrets', 'sync'], { cwd: root })).exitCode).toBe(0);
    expect(readdirSync(join(root, 'secrets')).sort()).toEqual([`.onprem.sops.yaml.staging-${running}`, 'onprem.sops.yaml', 'prod.sops.yaml']);
    expect(readFileSync(join(root, 'secrets', 'prod.sops.yaml'))).toEqual(before);

    writeFileSync(join(root, 'secrets', `.prod.sops.yaml.staging-${dead}`), 'partial');
    const rotate = await runCli(['secrets', 'rotate', 'prod'], { cwd: root, env: { SOPS_AGE_KEY: identity } });
    expect(rotate.exitCode, rotate.stderr).toBe(0);
    expect(readdirSync(join(root, 'secrets')).filter((name) => name.startsWith('.prod'))).toEqual([]);
  });
});
