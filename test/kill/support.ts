import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixedEpoch, repositoryRoot } from '../support/tree.js';

/**
 * Killing the real CLI (`bin/slipway.js`, built by `npm run build`) with SIGKILL at chosen moments.
 * The moments come from a seeded generator: a failure names its seed and delay, and
 * `SLIPWAY_KILL_SEED=<seed>` replays the same kills.
 */

export const killSeed = Number(process.env.SLIPWAY_KILL_SEED ?? 20261120);

/** mulberry32: small, fast, and the same sequence on every platform for one seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** When, in milliseconds after its start, a run that went to its end wrote: from the first to the last write. */
export interface WriteWindow {
  fromMs: number;
  toMs: number;
}

/**
 * When to kill. Half of the kills fall anywhere in the command's measured duration (start-up,
 * compile, write); the other half around the moments it wrote in its runs to the end (a little
 * before, through, a little after), where a kill can do damage. Both follow the most recent
 * measurements, since a loaded machine runs slower. A run that ends before its kill still counts as
 * a check, of the new state.
 */
export class KillTiming {
  private write: WriteWindow;

  constructor(
    private durationMs: number,
    write: WriteWindow,
    private readonly random: () => number,
  ) {
    this.write = write;
  }

  /** Learns from a run that went to its end, and from when it wrote (if measured). */
  update(run: Run, write?: WriteWindow): void {
    if (run.killed) return;
    this.durationMs = (this.durationMs + run.durationMs) / 2;
    if (write) this.write = { fromMs: (this.write.fromMs + write.fromMs) / 2, toMs: (this.write.toMs + write.toMs) / 2 };
  }

  delay(attempt: number): number {
    if (attempt % 2 === 0) return Math.round(this.random() * this.durationMs);
    const margin = 0.08 * this.durationMs;
    const from = this.write.fromMs - margin;
    return Math.max(0, Math.round(from + this.random() * (this.write.toMs + margin - from)));
  }
}

/** The write window of a run from the times of what it wrote (file-system timestamps, wall clock). */
export function writeWindow(run: Run, times: readonly { birthtimeMs: number; mtimeMs: number }[]): WriteWindow {
  const birth = Math.min(...times.map((t) => (t.birthtimeMs > 0 ? t.birthtimeMs : t.mtimeMs)));
  const last = Math.max(...times.map((t) => t.mtimeMs));
  return { fromMs: birth - run.startedAt, toMs: Math.max(last, birth) - run.startedAt };
}

export interface Run {
  pid: number;
  /** Wall-clock time of the spawn, to place the run's file timestamps in it. */
  startedAt: number;
  /** Whether SIGKILL ended it (false: it finished before the delay). */
  killed: boolean;
  exitCode: number | null;
  stderr: string;
  durationMs: number;
}

/** A fixed, small environment: nothing from the machine (a GITHUB_SHA, a signing key) leaks in. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SOURCE_DATE_EPOCH: fixedEpoch, NO_COLOR: '1', ...extra };
}

/** Runs `slipway ...args`, killing it with SIGKILL after `killAfterMs` (never, when undefined). */
export function runSlipway(args: string[], options: { cwd: string; env?: Record<string, string>; killAfterMs?: number }): Promise<Run> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const startedAt = Date.now();
    const child = spawn(process.execPath, [join(repositoryRoot, 'bin', 'slipway.js'), ...args], { cwd: options.cwd, env: childEnv(options.env ?? {}), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', fail);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      done({ pid: child.pid!, startedAt, killed: signal === 'SIGKILL', exitCode, stderr, durationMs: performance.now() - started });
    });
  });
}

/** Runs to the end and insists on exit 0; its duration sizes the kill delays. */
export async function runToEnd(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  const run = await runSlipway(args, options);
  if (run.exitCode !== 0) throw new Error(`slipway ${args.join(' ')} exited ${run.exitCode}:\n${run.stderr}`);
  return run;
}

/** Hidden entries (temporaries) and lock files in a folder. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => (name.startsWith('.') || name.endsWith('.lock')) && !isBuildRecord(name))
    .sort();
}

/** The record a full build keeps beside its output for the next one: no temporary. */
export function isBuildRecord(name: string): boolean {
  return /^\..+\.build-record\.json$/.test(name);
}

/** Whether a process still runs (a killed run's PID, once it has exited, is not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The PID in a temporary's name (`.<name>.<kind>-<pid>`), if it is one. */
export function temporaryPid(name: string): number | undefined {
  const match = /\.(?:staging|previous|update)-([0-9]+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Tallies what the kills left, for the summary each suite prints. */
export class KillTally {
  readonly outcomes = new Map<string, number>();
  kills = 0;
  completed = 0;

  record(run: Run, outcome: string): void {
    if (run.killed) this.kills++;
    else this.completed++;
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  summary(what: string): string {
    const outcomes = [...this.outcomes].map(([outcome, count]) => `${outcome} ${count}`).join(', ');
    return `${what}: ${this.kills} killed, ${this.completed} finished before the kill (seed ${killSeed}); ${outcomes}`;
  }
}
