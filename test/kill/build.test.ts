import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { withOutputLock } from '../../src/write/lock.js';
import { recoverOutput } from '../../src/write/stage.js';
import { fixturesDir, makeTree, readTree, removeTree } from '../support/tree.js';
import { alive, KillTally, KillTiming, killSeed, leftovers, runSlipway, runToEnd, seededRandom, temporaryPid, writeWindow, type Run, type WriteWindow } from './support.js';

/**
 * `slipway build` killed with SIGKILL at random moments, over an existing output: the output is
 * always byte for byte the previous complete build or the new one, it verifies, nothing of a
 * build's is ever left inside it, and the next build that runs to its end leaves no temporary
 * beside it either. The source tree flips between two versions of `prod` (A and B), so every
 * build has something to change; the two reference outputs are built once.
 */

const killsPerCommand = 30;
const keys = join(fixturesDir, 'keys');
const signing = ['--signing-key', join(keys, 'golden-signing.key.pem')];

type Version = 'A' | 'B';
const references = new Map<Version, Map<string, Buffer>>();
let prodYaml: Record<Version, string>;
let referenceRoot: string;
let referenceRun: { run: Run; write: WriteWindow };

function differences(actual: Map<string, Buffer>, expected: Map<string, Buffer>): string[] {
  const paths = new Set([...actual.keys(), ...expected.keys()]);
  return [...paths].filter((path) => !expected.has(path) || !actual.get(path)?.equals(expected.get(path)!));
}

/** From the staging folder's creation (it becomes the output) to the swap and the lock's removal. */
function buildWindow(root: string, run: Run): WriteWindow {
  // prod's folder is new in every build (staged in a new tree, or in an in-place update); the record beside the output is written last.
  const prod = statSync(join(root, 'output', 'environments', 'prod'));
  return writeWindow(run, [{ birthtimeMs: prod.birthtimeMs, mtimeMs: prod.mtimeMs }, { birthtimeMs: prod.birthtimeMs, mtimeMs: statSync(root).mtimeMs }]);
}

/** One source tree with its output, killed over and over by one kind of build. */
class Lane {
  readonly root = makeTree();
  current: Version = 'A';

  constructor(
    readonly label: string,
    readonly args: string[],
    readonly random: () => number,
  ) {
    cpSync(join(referenceRoot, 'output'), join(this.root, 'output'), { recursive: true });
    this.use('A');
  }

  use(version: Version): void {
    writeFileSync(join(this.root, 'environments', 'prod.yaml'), prodYaml[version]);
  }

  /**
   * Which complete build the output is. A kill in the instant between the build's two renames
   * leaves no output but the previous one moved aside, which the next build restores: that counts
   * as the previous build, and the aside must be it exactly. Byte equality with a reference that
   * verified stands for `verify`, which runs on the output at every checkpoint.
   */
  observe(context: string): { version: Version; aside: boolean; completed: boolean } {
    const out = join(this.root, 'output');
    // Killed in the middle of an in-place update whose plan was written: some paths are new, some
    // old, until the next run completes it — which is what recovery must make of it.
    const pending = leftovers(this.root).filter((name) => /^\.output\.update-[0-9]+$/.test(name) && existsSync(join(this.root, name, 'plan.json')));
    if (pending.length > 0) withOutputLock(out, () => recoverOutput(out));
    let dir = out;
    const aside = !existsSync(out);
    if (aside) {
      const moved = leftovers(this.root).filter((name) => name.startsWith('.output.previous-'));
      expect(moved, `${context}: no output and no previous output aside`).toHaveLength(1);
      dir = join(this.root, moved[0]!);
    }
    const tree = readTree(dir);
    const version = (['A', 'B'] as const).find((v) => differences(tree, references.get(v)!).length === 0);
    expect(version, `${context}: the output is neither complete build; differs from A in ${differences(tree, references.get('A')!).slice(0, 5).join(', ')}`).toBeDefined();
    if (!aside) {
      expect(leftovers(out), `${context}: temporaries inside the output`).toEqual([]);
      expect(leftovers(join(out, 'environments')), `${context}: temporaries inside environments/`).toEqual([]);
    }
    for (const name of leftovers(this.root)) {
      const pid = temporaryPid(name);
      if (pid !== undefined) expect(alive(pid), `${context}: ${name} belongs to a running process`).toBe(false);
    }
    return { version: version!, aside, completed: pending.length > 0 };
  }

  /** A build run to its end: the new version exactly, verified, and no temporary or lock anywhere. */
  async checkpoint(): Promise<{ run: Run; write: WriteWindow }> {
    const target: Version = this.current === 'A' ? 'B' : 'A';
    this.use(target);
    const run = await runToEnd(['build', ...signing, ...this.args], { cwd: this.root });
    expect(this.observe(`${this.label} checkpoint`)).toEqual({ version: target, aside: false, completed: false });
    expect(leftovers(this.root), `${this.label}: left after a build that ran to its end`).toEqual([]);
    const verify = await runCli(['verify', 'output', '--keys', keys], { cwd: this.root });
    expect(verify.exitCode, verify.stderr).toBe(0);
    this.current = target;
    return { run, write: buildWindow(this.root, run) };
  }

  async killRepeatedly(start: { run: Run; write: WriteWindow }): Promise<KillTally> {
    const tally = new KillTally();
    const timing = new KillTiming(start.run.durationMs, start.write, this.random);
    for (let attempt = 0; tally.kills < killsPerCommand; attempt++) {
      expect(attempt, `${this.label}: too few runs were killed before they finished`).toBeLessThan(killsPerCommand * 3);
      const target: Version = this.current === 'A' ? 'B' : 'A';
      this.use(target);
      const delay = timing.delay(attempt);
      const run = await runSlipway(['build', ...signing, ...this.args], { cwd: this.root, killAfterMs: delay });
      const context = `${this.label} run ${attempt + 1}, killed after ${delay} ms (SLIPWAY_KILL_SEED=${killSeed})`;
      if (!run.killed) expect(run.exitCode, `${context}: ${run.stderr}`).toBe(0);
      const state = this.observe(context);
      expect([this.current, target], context).toContain(state.version);
      if (state.completed) expect(state.version, `${context}: an update past its plan completes to the new build`).toBe(target);
      const midWrite = leftovers(this.root).some((name) => temporaryPid(name) === run.pid);
      tally.record(run, `${state.completed ? 'update completed by recovery' : state.version === target ? 'new output' : state.aside ? 'previous output aside' : 'previous output'}${midWrite ? ' (killed while writing)' : ''}`);
      this.current = state.version;
      if (!run.killed && state.version === target) timing.update(run, buildWindow(this.root, run));
      if ((attempt + 1) % 15 === 0) {
        const checked = await this.checkpoint();
        timing.update(checked.run, checked.write);
      }
    }
    await this.checkpoint();
    return tally;
  }
}

describe('build killed at random moments', () => {
  const lanes: Lane[] = [];
  beforeAll(async () => {
    referenceRoot = makeTree();
    const original = readFileSync(join(referenceRoot, 'environments', 'prod.yaml'), 'utf8');
    prodYaml = { A: original, B: original.replace('region: eu-west-1', 'region: eu-central-1') };
    expect(prodYaml.B).not.toBe(prodYaml.A);
    for (const version of ['B', 'A'] as const) {
      writeFileSync(join(referenceRoot, 'environments', 'prod.yaml'), prodYaml[version]);
      const run = await runToEnd(['build', ...signing], { cwd: referenceRoot });
      referenceRun = { run, write: buildWindow(referenceRoot, run) };
      references.set(version, readTree(join(referenceRoot, 'output')));
      const verify = await runCli(['verify', 'output', '--keys', keys], { cwd: referenceRoot });
      expect(verify.exitCode, verify.stderr).toBe(0);
    }
    expect(differences(references.get('A')!, references.get('B')!).length).toBeGreaterThan(0);
  });
  afterAll(() => {
    for (const lane of lanes) removeTree(lane.root);
    if (referenceRoot) removeTree(referenceRoot);
  });

  // The two kinds of build are killed side by side, each in its own tree: the suite takes the
  // time of one, and each build runs beside another, as builds in CI do.
  it(`a full build and a build --env prod, each over an existing output, killed ${killsPerCommand} times each`, async () => {
    const full = new Lane('full build', [], seededRandom(killSeed + 1));
    const partial = new Lane('build --env prod', ['--env', 'prod'], seededRandom(killSeed + 2));
    lanes.push(full, partial);
    const [fullTally, partialTally] = await Promise.all([
      full.killRepeatedly(referenceRun),
      (async () => partial.killRepeatedly(await partial.checkpoint()))(),
    ]);
    console.log(`${fullTally.summary('build (full)')}\n${partialTally.summary('build --env prod')}`);
  }, 150_000);
});
