import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptSops } from 'sops-age';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturesDir, makeTree, removeTree } from '../support/tree.js';
import { alive, KillTally, KillTiming, killSeed, runSlipway, runToEnd, seededRandom, temporaryPid, writeWindow, type Run, type WriteWindow } from './support.js';

/**
 * `slipway secrets sync` and `secrets rotate` killed with SIGKILL at random moments: every
 * `secrets/<env>.sops.yaml` is byte for byte the file from before the run, or a complete new file
 * that the test identity decrypts to the expected names (kept values kept, new ones well formed);
 * temporaries belong only to dead runs, and a run that goes to its end leaves none.
 */

const killsPerCommand = 30;
const identityFile = join(fixturesDir, 'identities', 'minimal.age.txt');
const identity = readFileSync(identityFile, 'utf8')
  .split('\n')
  .find((line) => line.startsWith('AGE-SECRET-KEY-1'))!;
const withIdentity = { SOPS_AGE_KEY_FILE: identityFile };
const trees: string[] = [];

afterAll(() => {
  for (const root of trees) removeTree(root);
});

async function decrypt(bytes: Buffer, context: string): Promise<Record<string, string>> {
  try {
    return (await decryptSops(bytes.toString('utf8'), { secretKey: identity, fileType: 'yaml' })) as Record<string, string>;
  } catch (error) {
    throw new Error(`${context}: a secrets file that is neither the old one nor decryptable: ${(error as Error).message}`);
  }
}

/** What a file is after a run: 'old' (unchanged bytes, or still absent), or 'new' (checked by `isNew`). */
type Check = (file: Buffer | undefined, context: string) => Promise<'old' | 'new'>;

interface SecretsLane {
  label: string;
  root: string;
  args: string[];
  /** Puts every secrets file back as it was before the command. */
  reset: () => void;
  checks: Record<string, Check>;
}

async function observe(lane: SecretsLane, context: string): Promise<string> {
  const states: string[] = [];
  for (const [environment, check] of Object.entries(lane.checks)) {
    const path = join(lane.root, 'secrets', `${environment}.sops.yaml`);
    states.push(`${environment} ${await check(existsSync(path) ? readFileSync(path) : undefined, `${context}, ${environment}`)}`);
  }
  for (const name of readdirSync(join(lane.root, 'secrets'))) {
    if (name in lane.checks || name.endsWith('.sops.yaml')) continue;
    const pid = temporaryPid(name);
    expect(pid, `${context}: an unexpected file ${name} in secrets/`).toBeDefined();
    expect(alive(pid!), `${context}: ${name} belongs to a running process`).toBe(false);
  }
  return states.join(', ');
}

/** From the first secrets file written (its temporary's creation) to the last one renamed into place. */
function secretsWindow(lane: SecretsLane, run: Run): WriteWindow {
  return writeWindow(run, Object.keys(lane.checks).map((environment) => statSync(join(lane.root, 'secrets', `${environment}.sops.yaml`))));
}

/** A run to the end: every file new, and no temporary left. */
async function checkpoint(lane: SecretsLane): Promise<{ run: Run; write: WriteWindow }> {
  lane.reset();
  const run = await runToEnd(lane.args, { cwd: lane.root, env: withIdentity });
  const state = await observe(lane, `${lane.label} checkpoint`);
  expect(state).toBe(Object.keys(lane.checks).map((environment) => `${environment} new`).join(', '));
  expect(readdirSync(join(lane.root, 'secrets')).filter((name) => name.startsWith('.'))).toEqual([]);
  return { run, write: secretsWindow(lane, run) };
}

async function killRepeatedly(lane: SecretsLane, random: () => number): Promise<KillTally> {
  const tally = new KillTally();
  const start = await checkpoint(lane);
  const timing = new KillTiming(start.run.durationMs, start.write, random);
  for (let attempt = 0; tally.kills < killsPerCommand; attempt++) {
    expect(attempt, `${lane.label}: too few runs were killed before they finished`).toBeLessThan(killsPerCommand * 3);
    lane.reset();
    const delay = timing.delay(attempt);
    const run = await runSlipway(lane.args, { cwd: lane.root, env: withIdentity, killAfterMs: delay });
    const context = `${lane.label} run ${attempt + 1}, killed after ${delay} ms (SLIPWAY_KILL_SEED=${killSeed})`;
    if (!run.killed) expect(run.exitCode, `${context}: ${run.stderr}`).toBe(0);
    const state = await observe(lane, context);
    const midWrite = readdirSync(join(lane.root, 'secrets')).some((name) => temporaryPid(name) === run.pid);
    tally.record(run, `${state}${midWrite ? ' (killed while writing)' : ''}`);
    if (!run.killed) timing.update(run, secretsWindow(lane, run));
    if ((attempt + 1) % 15 === 0) {
      const checked = await checkpoint(lane);
      timing.update(checked.run, checked.write);
    }
  }
  await checkpoint(lane);
  return tally;
}

/** `secrets sync` creating onprem's file (public keys only) and adding QUEUE_TOKEN to prod's. */
function syncLane(): SecretsLane {
  const root = makeTree();
  trees.push(root);
  const worker = JSON.parse(readFileSync(join(root, 'services', 'worker', 'service.json'), 'utf8'));
  worker.secrets.QUEUE_TOKEN = { generate: 'random', length: 48 };
  writeFileSync(join(root, 'services', 'worker', 'service.json'), JSON.stringify(worker, null, 2));
  const prod = readFileSync(join(root, 'secrets', 'prod.sops.yaml'));
  let prodKey: string | undefined;
  return {
    label: 'secrets sync',
    root,
    args: ['secrets', 'sync'],
    reset: () => {
      writeFileSync(join(root, 'secrets', 'prod.sops.yaml'), prod);
      rmSync(join(root, 'secrets', 'onprem.sops.yaml'), { force: true });
    },
    checks: {
      onprem: async (file, context) => {
        if (!file) return 'old';
        const values = await decrypt(file, context);
        expect(Object.keys(values).sort(), context).toEqual(['APP_KEY', 'QUEUE_TOKEN']);
        expect(values.APP_KEY, context).toMatch(/^base64:[A-Za-z0-9+/]{43}=$/);
        expect(values.QUEUE_TOKEN, context).toMatch(/^[A-Za-z0-9_-]{48}$/);
        return 'new';
      },
      prod: async (file, context) => {
        expect(file, `${context}: the file is gone`).toBeDefined();
        if (file!.equals(prod)) return 'old';
        prodKey ??= (await decrypt(prod, 'the original')).APP_KEY;
        const values = await decrypt(file!, context);
        expect(Object.keys(values).sort(), context).toEqual(['APP_KEY', 'QUEUE_TOKEN']);
        expect(values.APP_KEY, `${context}: sync changed an existing value`).toBe(prodKey);
        expect(values.QUEUE_TOKEN, context).toMatch(/^[A-Za-z0-9_-]{48}$/);
        return 'new';
      },
    },
  };
}

/** `secrets rotate prod`: a fresh APP_KEY. */
function rotateLane(): SecretsLane {
  const root = makeTree();
  trees.push(root);
  const prod = readFileSync(join(root, 'secrets', 'prod.sops.yaml'));
  let prodKey: string | undefined;
  return {
    label: 'secrets rotate',
    root,
    args: ['secrets', 'rotate', 'prod'],
    reset: () => writeFileSync(join(root, 'secrets', 'prod.sops.yaml'), prod),
    checks: {
      prod: async (file, context) => {
        expect(file, `${context}: the file is gone`).toBeDefined();
        if (file!.equals(prod)) return 'old';
        prodKey ??= (await decrypt(prod, 'the original')).APP_KEY;
        const values = await decrypt(file!, context);
        expect(Object.keys(values), context).toEqual(['APP_KEY']);
        expect(values.APP_KEY, context).toMatch(/^base64:[A-Za-z0-9+/]{43}=$/);
        expect(values.APP_KEY, `${context}: rotated to the same value`).not.toBe(prodKey);
        return 'new';
      },
    },
  };
}

describe('secrets commands killed at random moments', () => {
  // Side by side, each in its own tree, so the suite takes the time of one.
  it(`secrets sync and secrets rotate, killed ${killsPerCommand} times each`, async () => {
    const [sync, rotate] = await Promise.all([killRepeatedly(syncLane(), seededRandom(killSeed + 3)), killRepeatedly(rotateLane(), seededRandom(killSeed + 4))]);
    console.log(`${sync.summary('secrets sync')}\n${rotate.summary('secrets rotate prod')}`);
  }, 150_000);
});
