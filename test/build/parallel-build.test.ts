import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageTemplates } from '../../src/core/templates.js';
import { runCli } from '../support/cli.js';
import { fixedEpoch, readTree, repositoryRoot } from '../support/tree.js';

/**
 * The render pool as it runs: worker threads load the compiled JavaScript, so these run the built
 * CLI (`bin/slipway.js`, `npm run build`) and the built modules in child processes, on the bundled
 * example multiplied, with `SLIPWAY_WORKERS` asking for workers whatever the size of the build.
 */

const cli = join(repositoryRoot, 'bin', 'slipway.js');
const work = mkdtempSync(join(tmpdir(), 'slipway-parallel-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The example with each environment (its secrets file, its attestation) copied `copies` times under new names. */
function fleetTree(copies: number): string {
  const root = join(work, 'source');
  for (const part of ['slipway.yaml', 'environments', 'services', 'releases', 'policies', 'secrets', 'keys', 'overlays']) cpSync(join(repositoryRoot, part), join(root, part), { recursive: true });
  const attestations = join(root, 'policies', 'attestation-policy.yaml');
  const results = [...readFileSync(attestations, 'utf8').matchAll(/^ {2}([a-z0-9-]+): (\{.*\})/gm)];
  for (const file of readdirSync(join(root, 'environments')).filter((name) => name.endsWith('.yaml'))) {
    const name = file.slice(0, -'.yaml'.length);
    const text = readFileSync(join(root, 'environments', file), 'utf8');
    for (let copy = 2; copy <= copies; copy++) {
      writeFileSync(join(root, 'environments', `${name}-${copy}.yaml`), text.replace(new RegExp(`^name: ${name}$`, 'm'), `name: ${name}-${copy}`));
      cpSync(join(root, 'secrets', `${name}.sops.yaml`), join(root, 'secrets', `${name}-${copy}.sops.yaml`));
      const result = results.find((match) => match[1] === name);
      if (result) appendFileSync(attestations, `  ${name}-${copy}: ${result[2]}\n`);
    }
  }
  return root;
}

/**
 * Loaded before the CLI (`--import`): counts the worker threads the process starts, and says when
 * each has exited, so a test sees that the pool ran and that it left no thread behind.
 */
const workerCounter = join(work, 'count-workers.mjs');
writeFileSync(
  workerCounter,
  `import workerThreads from 'node:worker_threads';
import { syncBuiltinESMExports } from 'node:module';
if (workerThreads.isMainThread) {
  let started = 0;
  let exited = 0;
  const entries = new Set();
  workerThreads.Worker = class extends workerThreads.Worker {
    constructor(...args) {
      super(...args);
      started++;
      const data = args[1]?.workerData;
      entries.add(String(data?.bundle ? data.bundle.file + '#' + data.bundle.command : data?.entry));
      this.once('exit', () => exited++);
    }
  };
  syncBuiltinESMExports();
  process.on('exit', () => process.stderr.write(\`worker entries: \${[...entries].join(' ')}\\nworker threads: \${started} started, \${exited} exited\\n\`));
}
`,
);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Worker threads the process started, and how many of them had exited when it ended. */
  workers: { started: number; exited: number };
  /** The modules the workers were started on. */
  workerEntries: string[];
}

function node(args: string[], workers: string | undefined): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, SOURCE_DATE_EPOCH: fixedEpoch, NO_COLOR: '1' };
  delete env.SLIPWAY_WORKERS;
  if (workers !== undefined) env.SLIPWAY_WORKERS = workers;
  const run = spawnSync(process.execPath, ['--import', pathToFileURL(workerCounter).href, ...args], { encoding: 'utf8', env, timeout: 240_000 });
  const counted = /worker threads: (\d+) started, (\d+) exited\n$/.exec(run.stderr);
  const entries = /worker entries: (.*)\n/.exec(run.stderr)?.[1] ?? '';
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    workers: { started: Number(counted?.[1] ?? NaN), exited: Number(counted?.[2] ?? NaN) },
    workerEntries: entries === '' ? [] : entries.split(' '),
  };
}

const slipway = (args: string[], workers: string | undefined): Run => node([cli, ...args], workers);

const bytesOf = (dir: string) => new Map([...readTree(dir)].map(([path, bytes]) => [path, bytes.toString('base64')]));

describe('building on worker threads (the built CLI)', () => {
  let root: string;
  let first: string;
  let second: string;
  beforeAll(() => {
    root = fleetTree(3);
    const keys = (name: string) => {
      const dir = join(work, name);
      expect(slipway(['keygen', '--out', dir], undefined).status).toBe(0);
      return join(dir, 'slipway-signing.key.pem');
    };
    first = keys('first-key');
    second = keys('second-key');
  });

  it('writes the same tree, byte for byte, on one thread, two and three; every worker started has exited', () => {
    const build = (out: string, workers: string) => {
      const run = slipway(['build', '--root', root, '--out', join(work, out), '--signing-key', first, '--source-commit', 'c'.repeat(40), '--format', 'json'], workers);
      expect(run.status, run.stderr).toBe(0);
      expect(run.workers).toEqual({ started: Number(workers) - 1, exited: Number(workers) - 1 });
      // The bundled CLI starts its workers on its own bundle and the build's code cache (scripts/bundle.js), not on the modules of dist/src.
      expect(run.workerEntries).toEqual(workers === '1' ? [] : [`${join(repositoryRoot, 'dist', 'bundle', 'main.cjs')}#build`]);
      return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { built: number };
    };
    expect(build('one', '1').built).toBeGreaterThan(30);
    build('two', '2');
    build('three', '3');
    const expected = bytesOf(join(work, 'one'));
    expect(expected.size).toBeGreaterThan(500);
    for (const out of ['two', 'three']) expect(bytesOf(join(work, out)), out).toEqual(expected);
  });

  it('chains to --previous the same way: kept manifests, signatures of a replaced key signed again, changed folders', () => {
    const edited = join(root, 'environments', 'dev-2.yaml');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace(/^description: .*$/m, 'description: Changed for the parallel build test'));
    // Signed with a key keys/ does not trust: every kept manifest is signed again by the new one.
    const build = (out: string, workers: string) => {
      const run = slipway(['build', '--root', root, '--out', join(work, out), '--signing-key', second, '--previous', join(work, 'one'), '--progress'], workers);
      expect(run.status, run.stderr).toBe(0);
      expect(run.workers.started).toBe(Number(workers) - 1);
      return run.stderr;
    };
    build('chained-one', '1');
    const progress = [...build('chained-two', '2').matchAll(/rendering (\d+)\/(\d+) environments/g)].map((line) => [Number(line[1]), Number(line[2])]);
    // Shown at most once a second: whatever was shown counts up, and ends with every environment.
    expect(progress.map(([done]) => done)).toEqual(progress.map(([done]) => done).sort((a, b) => a! - b!));
    if (progress.length > 0) expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    const expected = bytesOf(join(work, 'chained-one'));
    expect(bytesOf(join(work, 'chained-two'))).toEqual(expected);
    const manifest = (out: string, environment: string) => readFileSync(join(work, out, 'environments', environment, 'release.json'), 'utf8');
    expect(manifest('chained-two', 'eu-prod-2')).toBe(manifest('one', 'eu-prod-2'));
    expect(JSON.parse(manifest('chained-two', 'dev-2')).sequence).toBe(2);
    expect(readFileSync(join(work, 'chained-two', 'environments', 'eu-prod-2', 'release.json.sig'))).not.toEqual(readFileSync(join(work, 'one', 'environments', 'eu-prod-2', 'release.json.sig')));
  });

  it("stops a build at a worker's error, with the error's own kind and message, and leaves no thread behind", () => {
    // The built modules in a child process: a generator's BugError on a worker (the pool posts the
    // first jobs to its workers before the main thread takes one), and the first failing job wins.
    const script = `
      const { validateSourceTree } = await import(${JSON.stringify(join(repositoryRoot, 'dist/src/compile.js'))});
      const { renderInParallel } = await import(${JSON.stringify(join(repositoryRoot, 'dist/src/render/index.js'))});
      const { BugError } = await import(${JSON.stringify(join(repositoryRoot, 'dist/src/core/errors.js'))});
      const targets = validateSourceTree({ root: ${JSON.stringify(repositoryRoot)}, now: new Date(${fixedEpoch} * 1000) }).targets;
      const models = targets.filter((t) => t.status === 'ready').map((t) => t.model);
      const broken = (model) => ({ model: { ...model, secrets: { ...model.secrets, dotenv: { problem: 'broken on purpose' } } }, release: {} });
      const compose = models.filter((m) => m.runtime === 'compose' && m.secrets.file && m.secrets.generated.length > 0);
      const jobs = models.map((model) => ({ model, release: {} }));
      jobs[1] = broken(compose[0]);
      jobs[jobs.length - 1] = broken(compose[1] ?? compose[0]);
      try {
        renderInParallel(jobs, { threads: 2 });
        console.log('no error');
      } catch (error) {
        console.log(JSON.stringify({ bug: error instanceof BugError, name: error.name, message: error.message, worker: compose[0].name }));
      }
    `;
    // Run as `node --input-type=module -e`, which workers inherit: the pool starts them all the same.
    const run = node(['--input-type=module', '-e', script], undefined);
    expect(run.status, run.stderr).toBe(0);
    expect(run.workers).toEqual({ started: 1, exited: 1 });
    const outcome = JSON.parse(run.stdout.trim()) as { bug: boolean; name: string; message: string; worker: string };
    expect(outcome).toMatchObject({ bug: true, name: 'BugError' });
    expect(outcome.message).toBe(`${outcome.worker}: secrets/${outcome.worker}.sops.yaml has no dotenv form, which the secrets check should have reported`);
  });

  it('takes the folders rendered ahead (while the main thread validated) as they are, drops one it no longer holds, and renders what a stopped worker held', () => {
    // The built modules in a child process: jobs offered ahead to the workers started early, then
    // the render, compared with each folder rendered alone on this thread.
    const module = (path: string) => JSON.stringify(join(repositoryRoot, 'dist', path));
    const script = `
      const { validateSourceTree } = await import(${module('src/compile.js')});
      const { renderAhead, renderFolder, renderInParallel } = await import(${module('src/render/index.js')});
      const { roomAhead, startWorkersEarly } = await import(${module('src/render/pool.js')});
      const targets = validateSourceTree({ root: ${JSON.stringify(root)}, now: new Date(${fixedEpoch} * 1000) }).targets;
      const jobs = targets.filter((t) => t.status === 'ready').map((t) => ({ model: t.model, release: {} }));
      const alone = jobs.map((job) => renderFolder(job).files.map((file) => file.path + ':' + Buffer.from(file.bytes).toString('base64')).join());
      const pause = new Int32Array(new SharedArrayBuffer(4));
      const outcome = {};
      for (const [name, early, threads] of [['kept', 1, 2], ['one stopped', 2, 2]]) {
        startWorkersEarly(early);
        const ahead = renderAhead();
        const full = roomAhead();
        // A job the render will not hold (the same model, another object) first, then the first jobs of the render.
        ahead.offer(() => ({ model: jobs[0].model, release: {} }));
        for (const job of jobs.slice(0, full - 1)) ahead.offer(() => job);
        ahead.offer(() => { throw new Error('offered beyond the room: made before a thread had room for it'); });
        const posted = full - roomAhead();
        // Answered ahead: the room comes back as the workers render, before the render is asked for.
        for (let waited = 0; roomAhead() < full && waited < 60000; waited += 10) Atomics.wait(pause, 0, 0, 10);
        const answeredAhead = roomAhead() === full;
        const folders = renderInParallel(jobs.slice(0, -1), { threads });
        const differing = folders.filter((folder, index) => folder.files.map((file) => file.path + ':' + Buffer.from(file.bytes).toString('base64')).join() !== alone[index]).length;
        outcome[name] = { posted, answeredAhead, rendered: folders.length, differing };
      }
      console.log(JSON.stringify({ jobs: jobs.length, outcome }));
    `;
    const run = node(['--input-type=module', '-e', script], undefined);
    expect(run.status, run.stderr).toBe(0);
    const { jobs, outcome } = JSON.parse(run.stdout.trim()) as { jobs: number; outcome: Record<string, { posted: number; answeredAhead: boolean; rendered: number; differing: number }> };
    expect(jobs).toBeGreaterThan(20);
    // Eight a worker: the room of one worker and of two, each filled, none made beyond it.
    expect(outcome.kept).toEqual({ posted: 8, answeredAhead: true, rendered: jobs - 1, differing: 0 });
    expect(outcome['one stopped']).toEqual({ posted: 16, answeredAhead: true, rendered: jobs - 1, differing: 0 });
    expect(run.workers).toEqual({ started: 3, exited: 3 });
  });

  it('starts the workers before validating, and a build whose validation fails ends at once, without them, writing nothing', () => {
    const broken = join(work, 'broken-source');
    cpSync(root, broken, { recursive: true });
    appendFileSync(join(broken, 'environments', 'eu-prod.yaml'), 'bogus: [\n');
    const out = join(work, 'broken-out');
    const started = Date.now();
    const run = slipway(['build', '--root', broken, '--out', out, '--no-sign'], '3');
    expect(run.status, run.stderr).toBe(1);
    // The two threads were started early, during validation; unreferenced, they did not hold the process open.
    expect(run.workers.started).toBe(2);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(() => readdirSync(out)).toThrow();
  });

  it('a whole build with nothing to reuse starts the workers before it reads the deploy state, and one that cannot read it ends at once', () => {
    const out = join(work, 'unread-previous-out');
    const run = slipway(['build', '--root', root, '--out', out, '--no-sign', '--previous', join(work, 'no-deploy-repository-here')], '3');
    expect(run.status, run.stderr).not.toBe(0);
    expect(run.stderr).toContain('no-deploy-repository-here');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // Started before the deploy state was read (which failed), and stopped with the build.
    expect(run.workers).toEqual({ started: 2, exited: 2 });
    expect(() => readdirSync(out)).toThrow();
  });

  it('reads environments on the workers started early exactly as on one thread: data, secrets, findings and their positions', () => {
    const broken = join(work, 'load-source');
    cpSync(root, broken, { recursive: true });
    appendFileSync(join(broken, 'environments', 'eu-prod-2.yaml'), 'bogus: [\n');
    appendFileSync(join(broken, 'environments', 'dev-3.yaml'), 'tier: production\n');
    writeFileSync(join(broken, 'secrets', 'staging-2.sops.yaml'), 'not: [a sops file\n');
    // The built modules in a child process; this thread reads slowly, so the worker surely takes its share.
    const module = (path: string) => JSON.stringify(join(repositoryRoot, 'dist', path));
    const script = `
      const { startWorkersEarly, shareWithEarlyWorkers } = await import(${module('src/render/pool.js')});
      const { readEnvironmentInputs, receivedEnvironmentInputs } = await import(${module('src/load/environment-inputs.js')});
      const { environmentFileNames } = await import(${module('src/load/index.js')});
      const { positionOf } = await import(${module('src/model/source.js')});
      const { isDeepStrictEqual } = await import('node:util');
      const root = ${JSON.stringify(broken)};
      const names = environmentFileNames(root);
      const here = names.map((name) => readEnvironmentInputs(root, name));
      startWorkersEarly(1);
      const pause = new Int32Array(new SharedArrayBuffer(4));
      let fromWorker = 0;
      const shared = shareWithEarlyWorkers(
        names.length,
        (claims) => ({ kind: 'load', root, names, claims }),
        (index) => { Atomics.wait(pause, 0, 0, 25); return readEnvironmentInputs(root, names[index]); },
        (message) => { fromWorker++; return receivedEnvironmentInputs(message.inputs); },
      );
      const view = (inputs) => ({
        found: inputs.found,
        diagnostics: inputs.diagnostics,
        secrets: inputs.secrets && { ...inputs.secrets, bytes: Buffer.from(inputs.secrets.bytes).toString('base64') },
        source: inputs.source && {
          path: inputs.source.path,
          text: inputs.source.text,
          data: inputs.source.data,
          positions: [[], ['name'], ['tier'], ['services', 0], ['overrides']].map((path) => positionOf(inputs.source, path, { key: true })),
        },
      });
      const differing = names.filter((name, index) => !isDeepStrictEqual(view(here[index]), view(shared[index])));
      console.log(JSON.stringify({ environments: names.length, fromWorker, differing, findings: here.flatMap((inputs) => inputs.diagnostics.map((d) => d.code)) }));
    `;
    const run = node(['--input-type=module', '-e', script], undefined);
    expect(run.status, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout.trim()) as { environments: number; fromWorker: number; differing: string[]; findings: string[] };
    expect(outcome.environments).toBeGreaterThan(30);
    expect(outcome.fromWorker).toBeGreaterThan(0);
    expect(outcome.fromWorker).toBeLessThan(outcome.environments);
    expect(outcome.differing).toEqual([]);
    expect(outcome.findings).toEqual(expect.arrayContaining(['yaml-syntax', 'duplicate-key', 'secrets-file-invalid']));
    expect(run.workers.started).toBe(1);

    // A task that fails on a worker (here: it was sent a root that is no path) is read again on this
    // thread. The worker is first seen answering, so that it is up when the failing tasks go out;
    // then this thread holds its first task until the worker has claimed one.
    const retried = `
      const { startWorkersEarly, shareWithEarlyWorkers } = await import(${module('src/render/pool.js')});
      const { readEnvironmentInputs, receivedEnvironmentInputs } = await import(${module('src/load/environment-inputs.js')});
      const { environmentFileNames } = await import(${module('src/load/index.js')});
      const root = ${JSON.stringify(broken)};
      const names = environmentFileNames(root);
      const pause = new Int32Array(new SharedArrayBuffer(4));
      // Slow by real work: a thread that only waits keeps a new worker from starting.
      const slowly = (index) => { for (let time = 0; time < 30; time++) readEnvironmentInputs(root, names[index]); return readEnvironmentInputs(root, names[index]); };
      startWorkersEarly(1);
      let up = false;
      for (let attempt = 0; attempt < 20 && !up; attempt++) {
        shareWithEarlyWorkers(names.length, (claims) => ({ kind: 'load', root, names, claims }), slowly, (message) => { up = true; return receivedEnvironmentInputs(message.inputs); });
      }
      let claimed;
      let workerClaimed = false;
      let received = 0;
      const ranHere = new Set();
      const shared = shareWithEarlyWorkers(
        names.length,
        (claims) => { claimed = claims; return { kind: 'load', root: 42, names, claims }; },
        (index) => {
          for (let waited = 0; ranHere.size === 0 && !workerClaimed && waited < 2000; waited++) {
            workerClaimed = Atomics.load(claimed, 0) >= 2;
            if (!workerClaimed) Atomics.wait(pause, 0, 0, 5);
          }
          ranHere.add(index);
          return readEnvironmentInputs(root, names[index]);
        },
        (message) => { received++; return receivedEnvironmentInputs(message.inputs); },
      );
      const same = names.every((name, index) => JSON.stringify(shared[index]) === JSON.stringify(readEnvironmentInputs(root, name)));
      console.log(JSON.stringify({ up, workerClaimed, received, ranHere: ranHere.size, environments: names.length, same }));
    `;
    const again = node(['--input-type=module', '-e', retried], undefined);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim())).toEqual({ up: true, workerClaimed: true, received: 0, ranHere: outcome.environments, environments: outcome.environments, same: true });

    // And through the CLI: the same findings, at the same places, with the reading shared or not.
    const findings = (workers: string) => {
      const result = slipway(['build', '--root', broken, '--out', join(work, 'load-out'), '--no-sign', '--format', 'json'], workers);
      expect(result.status, result.stderr).toBe(1);
      // The findings; the summary's last line holds the duration.
      return result.stdout.trim().split('\n').slice(0, -1).join('\n');
    };
    const alone = findings('1');
    expect(alone).toMatch(/"code":"duplicate-key","file":"environments\/dev-3.yaml","line":\d+/);
    expect(findings('3')).toBe(alone);
  });

  it('writes what the sources write: the templates and schema validators npm run build precompiled render and judge the same', async () => {
    const precompiled = readFileSync(join(repositoryRoot, 'dist', 'src', 'core', 'templates.precompiled.cjs'), 'utf8');
    const templates = packageTemplates();
    expect(templates).toContain('generators/runbook/plan.md.hbs');
    for (const path of templates) {
      // Made from the template as it is now, so the built CLI takes it instead of compiling the template again.
      const digest = createHash('sha256').update(readFileSync(join(repositoryRoot, ...path.split('/')))).digest('hex');
      expect(precompiled).toContain(`${JSON.stringify(path)}: { digest: ${JSON.stringify(digest)}`);
    }
    const built = slipway(['build', '--root', root, '--out', join(work, 'built-cli'), '--no-sign', '--source-commit', 'c'.repeat(40)], '1');
    expect(built.status, built.stderr).toBe(0);
    const sources = await runCli(['build', '--root', root, '--out', join(work, 'from-sources'), '--no-sign', '--source-commit', 'c'.repeat(40)], { cwd: root, env: { SOURCE_DATE_EPOCH: fixedEpoch } });
    expect(sources.exitCode, sources.stderr).toBe(0);
    expect(bytesOf(join(work, 'built-cli'))).toEqual(bytesOf(join(work, 'from-sources')));
  });

  it('refuses a SLIPWAY_WORKERS that is not a number of threads (exit 2)', () => {
    const run = slipway(['build', '--root', root, '--out', join(work, 'refused'), '--no-sign'], 'many');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/SLIPWAY_WORKERS must be a number of threads from 1 to 9999, not "many"/);
  });
});
