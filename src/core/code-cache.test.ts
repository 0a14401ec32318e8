import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repositoryRoot, useScratchFolders } from '../../test/support/tree.js';
import { cacheFolder } from './code-cache.js';

/**
 * The CLI's bundle runs with V8's code cache of the same command's last run. Whatever the cache
 * holds — nothing, another bundle's code, garbage — the bundle must run its own code.
 */
const scratchFolder = useScratchFolders('slipway-code-cache-');

function bundleFile(folder: string, text: string): string {
  const file = join(folder, 'main.cjs');
  writeFileSync(file, text);
  return file;
}

/**
 * Loads the bundle in a process of its own, as the CLI does (within one process V8 reuses what it
 * compiled for the same source, whatever the cache says), and writes the cache after it ran.
 */
function load(file: string, command: string, env: Record<string, string>): { answer: string; fromCache: boolean } {
  const module = pathToFileURL(join(repositoryRoot, 'dist', 'src', 'core', 'code-cache.js')).href;
  const script = `const { loadBundle } = await import(${JSON.stringify(module)}); const bundle = loadBundle(${JSON.stringify(file)}, ${JSON.stringify(command)}); process.stdout.write(JSON.stringify({ answer: bundle.exports.answer(), filename: bundle.exports.filename, fromCache: bundle.fromCache })); bundle.keep();`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(run.status, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout) as { answer: string; filename: string; fromCache: boolean };
  expect(result.filename).toBe(file);
  return { answer: result.answer, fromCache: result.fromCache };
}

const bundleOf = (answer: string) => `'use strict';\nexports.answer = function answer() { return ${JSON.stringify(answer)}; };\nexports.filename = __filename;\n`;

describe('the code cache of the CLI bundle', () => {
  it('runs the bundle as CommonJS, writes the cache after the command, and takes it on the next run', () => {
    const folder = scratchFolder();
    const env = { SLIPWAY_CODE_CACHE: join(folder, 'cache') };
    const file = bundleFile(folder, bundleOf('first'));
    expect(load(file, 'build', env)).toEqual({ answer: 'first', fromCache: false });
    const [name] = readdirSync(env.SLIPWAY_CODE_CACHE);
    expect(name).toMatch(/^[0-9a-f]{32}-build\.cache$/);
    expect(statSync(join(env.SLIPWAY_CODE_CACHE, name!)).mode & 0o777).toBe(0o600);
    expect(load(file, 'build', env)).toEqual({ answer: 'first', fromCache: true });
    // Each command its own cache.
    expect(load(file, 'validate', env)).toEqual({ answer: 'first', fromCache: false });
    expect(readdirSync(env.SLIPWAY_CODE_CACHE).sort()).toEqual([name, name!.replace('-build', '-validate')].sort());
  });

  it('runs its own code when the bundle changed, even to one of the same length', () => {
    const folder = scratchFolder();
    const env = { SLIPWAY_CODE_CACHE: join(folder, 'cache') };
    const file = bundleFile(folder, bundleOf('aaaa'));
    expect(load(file, 'build', env).answer).toBe('aaaa');
    bundleFile(folder, bundleOf('bbbb'));
    expect(load(file, 'build', env)).toEqual({ answer: 'bbbb', fromCache: false });
    expect(load(file, 'build', env)).toEqual({ answer: 'bbbb', fromCache: true });
  });

  it('compiles anew over a damaged cache, and puts a good one in its place', () => {
    const folder = scratchFolder();
    const env = { SLIPWAY_CODE_CACHE: join(folder, 'cache') };
    const file = bundleFile(folder, bundleOf('answer'));
    load(file, 'validate', env);
    const [name] = readdirSync(env.SLIPWAY_CODE_CACHE);
    const path = join(env.SLIPWAY_CODE_CACHE, name!);
    writeFileSync(path, Buffer.alloc(readFileSync(path).length, 7));
    expect(load(file, 'validate', env)).toEqual({ answer: 'answer', fromCache: false });
    expect(load(file, 'validate', env)).toEqual({ answer: 'answer', fromCache: true });
  });

  it("removes, when it writes one, the caches of other bundles not written for two weeks, and nothing else", () => {
    const folder = scratchFolder();
    const cache = join(folder, 'cache');
    mkdirSync(cache, { mode: 0o700 });
    const old = new Date(Date.now() - 15 * 86_400_000);
    const stale = `${'a'.repeat(32)}-build.cache`;
    const recent = `${'b'.repeat(32)}-build.cache`;
    const leftover = `.${'c'.repeat(32)}-build.cache.123.tmp`;
    for (const name of [stale, recent, leftover, 'notes.txt']) writeFileSync(join(cache, name), 'x');
    for (const name of [stale, leftover, 'notes.txt']) utimesSync(join(cache, name), old, old);
    const file = bundleFile(folder, bundleOf('prune'));
    load(file, 'build', { SLIPWAY_CODE_CACHE: cache });
    const left = readdirSync(cache).sort();
    expect(left.filter((name) => name !== recent && name !== 'notes.txt')).toHaveLength(1);
    expect(left).toEqual(expect.arrayContaining([recent, 'notes.txt']));
    expect(left).not.toContain(stale);
    expect(left).not.toContain(leftover);
  });

  it('keeps no cache when turned off, nor in a folder others may write to or that is a link', () => {
    const folder = scratchFolder();
    expect(cacheFolder({ SLIPWAY_CODE_CACHE: 'off' })).toBeUndefined();
    const open = join(folder, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(cacheFolder({ SLIPWAY_CODE_CACHE: open })).toBeUndefined();
    const own = join(folder, 'own');
    expect(cacheFolder({ SLIPWAY_CODE_CACHE: own })).toBe(own);
    expect(statSync(own).mode & 0o777).toBe(0o700);
    symlinkSync(own, join(folder, 'link'));
    expect(cacheFolder({ SLIPWAY_CODE_CACHE: join(folder, 'link') })).toBeUndefined();
    // Off, or in such a folder: the bundle still runs, and nothing is written.
    const file = bundleFile(folder, bundleOf('off'));
    expect(load(file, 'build', { SLIPWAY_CODE_CACHE: 'off' })).toEqual({ answer: 'off', fromCache: false });
    expect(load(file, 'build', { SLIPWAY_CODE_CACHE: open })).toEqual({ answer: 'off', fromCache: false });
    expect(readdirSync(own)).toEqual([]);
    expect(readdirSync(open)).toEqual([]);
  });

  it("lets a worker thread run the bundle the thread that started it runs, from that thread's cache", () => {
    // What the render pool does: its workers load the CLI's bundle as `runningBundle` names it.
    const folder = scratchFolder();
    const env = { SLIPWAY_CODE_CACHE: join(folder, 'cache') };
    const file = bundleFile(folder, bundleOf('shared'));
    const module = pathToFileURL(join(repositoryRoot, 'dist', 'src', 'core', 'code-cache.js')).href;
    const script = `
      const { Worker } = await import('node:worker_threads');
      const { loadBundle, runningBundle } = await import(${JSON.stringify(module)});
      const bundle = loadBundle(${JSON.stringify(file)}, 'build');
      bundle.keep();
      const running = runningBundle();
      const worker = new Worker(\`import('node:worker_threads').then(async ({ parentPort, workerData }) => {
        const { loadBundle } = await import(workerData.loader);
        const bundle = loadBundle(workerData.file, workerData.command);
        parentPort.postMessage({ answer: bundle.exports.answer(), fromCache: bundle.fromCache });
      });\`, { eval: true, workerData: running });
      worker.once('message', (reply) => { process.stdout.write(JSON.stringify({ main: bundle.fromCache, running, worker: reply })); void worker.terminate(); });`;
    const run = () => {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout) as { main: boolean; running: { file: string; command: string; loader: string }; worker: { answer: string; fromCache: boolean } };
    };
    // The first run compiles anew and writes the cache (here before it starts its worker, which then takes it).
    expect(run()).toEqual({ main: false, running: { file, command: 'build', loader: module }, worker: { answer: 'shared', fromCache: true } });
    expect(run()).toEqual({ main: true, running: { file, command: 'build', loader: module }, worker: { answer: 'shared', fromCache: true } });
  });

  it('is what the built CLI runs: a command leaves its cache, and runs the same from it', () => {
    const cache = join(scratchFolder(), 'cache');
    const run = () => spawnSync(process.execPath, [join(repositoryRoot, 'bin', 'slipway.js'), 'validate', '--root', repositoryRoot, '--format', 'json'], { encoding: 'utf8', env: { ...process.env, SLIPWAY_CODE_CACHE: cache, SOURCE_DATE_EPOCH: '1795132800' } });
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(readdirSync(cache).filter((name) => name.endsWith('-validate.cache'))).toHaveLength(1);
    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });
});
