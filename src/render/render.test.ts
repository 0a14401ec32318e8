import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cloneModel } from '../../test/support/clone.js';
import { exampleTargets } from '../../test/support/example.js';
import { BugError, IntegrityError, UsageError } from '../core/errors.js';
import { publicKeyOf } from '../core/signing/keys.js';
import { findingAt, type ResolvedEnvironment } from '../model/index.js';
import { keepsSignature } from '../sign/revocation.js';
import { MIN_JOBS_PER_THREAD, renderFolder, renderInParallel, threadsFor, type RenderedFolder, type RenderJob } from './index.js';
import { crosses, rebuiltError, receivedFolder, receivedJob, renderedMessage, wireJob, type WorkerMessage } from './wire.js';

/**
 * What crosses to a render worker and back, checked here on the main thread (a structured clone is
 * what the port makes of a message); the pool itself runs the compiled workers, and is checked
 * through the built CLI in test/build/parallel-build.test.ts.
 */

const seed = new Uint8Array(32).map((_, i) => i + 1);
const models = exampleTargets()
  .filter((target) => target.status === 'ready')
  .map((target) => target.model!);

/** Every ready example environment, signed; half of them chained to the folder a first render gave them. */
function exampleJobs(): RenderJob[] {
  const keepSignature = keepsSignature([publicKeyOf(seed)]);
  return models.map((model, i) => {
    const job: RenderJob = { model, release: { signingSeed: seed, keepSignature, sourceCommit: 'a'.repeat(40) } };
    if (i % 2 === 1) return job;
    const first = renderFolder(job).files;
    const file = (path: string) => first.find((candidate) => candidate.path === path)!.bytes;
    return { ...job, release: { ...job.release, previous: { manifest: file('release.json'), signature: file('release.json.sig') } } };
  });
}

/** A job as a worker renders it: wired, cloned as a port would, made whole again; its folder back the same way. */
function acrossThreads(job: RenderJob, index = 0): RenderedFolder {
  const folder = renderFolder(receivedJob(structuredClone(wireJob(index, job))));
  const { message, transfer } = renderedMessage(index, folder);
  return receivedFolder(structuredClone(message, { transfer }) as Extract<WorkerMessage, { kind: 'rendered' }>);
}

const bytesOf = (folder: RenderedFolder) => folder.files.map((file) => [file.path, Buffer.from(file.bytes).toString('base64')]);

describe('a render job across threads', () => {
  it('renders every example environment byte for byte as on the main thread, kept manifests and signatures included', () => {
    const jobs = exampleJobs();
    expect(jobs.length).toBeGreaterThan(5);
    jobs.forEach((job, index) => {
      const here = renderFolder(job);
      const there = acrossThreads(job, index);
      expect(bytesOf(there)).toEqual(bytesOf(here));
      expect({ manifestSha256: there.manifestSha256, changed: there.changed }).toEqual({ manifestSha256: here.manifestSha256, changed: here.changed });
    });
    // The chained half kept their manifests: the predicate crossed and kept the signature.
    expect(jobs.filter((job) => job.release.previous).every((job) => acrossThreads(job).changed === false)).toBe(true);
  });

  it('rebuilds the signature predicate from its keys: a signature by another key is signed again', () => {
    const [job] = exampleJobs();
    const stranger = keepsSignature([publicKeyOf(new Uint8Array(32).fill(9))]);
    const moved = { ...job!, release: { ...job!.release, keepSignature: stranger } };
    const here = renderFolder(moved);
    expect(here.changed).toBe(true);
    expect(bytesOf(acrossThreads(moved))).toEqual(bytesOf(here));
  });

  it('sends each source file once per job as its text, and gives findings the same positions on the other side', () => {
    const model = models.find((candidate) => candidate.services.length > 1)!;
    const wired = wireJob(0, { model, release: {} });
    expect(wired.sources.map((source) => source.path).sort()).toEqual([...new Set(wired.sources.map((source) => source.path))].sort());
    const received = receivedJob(structuredClone(wired)).model;
    for (const [original, copy] of [
      [model.origin, received.origin],
      [model.services[0]!.origin, received.services[0]!.origin],
    ] as const) {
      expect(findingAt(copy, 'code', 'message', { under: ['name'], key: true })).toEqual(findingAt(original, 'code', 'message', { under: ['name'], key: true }));
      expect(copy.source.data).toEqual(original.source.data);
    }
    // Two origins in one file share one source on the other side too.
    const serviceSources = received.services.map((service) => service.origin.source);
    expect(new Set(serviceSources).size).toBe(new Set(model.services.map((service) => service.origin.source)).size);
  });

  it("sends a source file's text to a worker once: later jobs name it, and render byte for byte the same", () => {
    const sent = new Set<number>();
    const [first, second] = models.filter((candidate) => candidate.services.length > 1);
    const firstWired = wireJob(0, { model: first!, release: {} }, sent);
    const secondWired = wireJob(1, { model: second!, release: {} }, sent);
    expect(firstWired.sources.every((source) => source.text !== undefined)).toBe(true);
    // The services' files are the same objects in both models: the second job carries their ids alone.
    const shared = secondWired.sources.filter((source) => firstWired.sources.some((earlier) => earlier.id === source.id));
    expect(shared.length).toBeGreaterThan(1);
    expect(shared.every((source) => source.text === undefined)).toBe(true);
    expect(secondWired.sources.filter((source) => !shared.includes(source)).every((source) => source.text !== undefined)).toBe(true);
    expect(structuredClone(secondWired).sources.reduce((total, source) => total + (source.text?.length ?? 0), 0)).toBeLessThan(
      wireJob(1, { model: second!, release: {} }).sources.reduce((total, source) => total + source.text!.length, 0),
    );
    // Received in the order posted, as one port delivers them.
    receivedJob(structuredClone(firstWired));
    const received = receivedJob(structuredClone(secondWired));
    expect(received.model.services.map((service) => service.origin.source.text)).toEqual(second!.services.map((service) => service.origin.source.text));
    expect(bytesOf(renderFolder(received))).toEqual(bytesOf(renderFolder({ model: second!, release: {} })));
    // A job naming a text its worker never received is a bug, said as one.
    const orphan = structuredClone(wireJob(2, { model: second!, release: {} }, new Set(secondWired.sources.map((source) => source.id))));
    for (const source of orphan.sources) source.id += 1e9;
    expect(() => receivedJob(orphan)).toThrow(BugError);
  });

  it('copies a byte array out of a larger buffer rather than sending the whole buffer', () => {
    const model = cloneModel(models.find((candidate) => candidate.secrets.file)!);
    const big = new Uint8Array(1 << 20);
    big.set(model.secrets.file!.bytes, 100);
    model.secrets.file!.bytes = big.subarray(100, 100 + model.secrets.file!.bytes.length);
    const wired = wireJob(0, { model, release: {} }).model as ResolvedEnvironment;
    expect(wired.secrets.file!.bytes.buffer.byteLength).toBe(model.secrets.file!.bytes.length);
    expect(Buffer.from(wired.secrets.file!.bytes).equals(Buffer.from(model.secrets.file!.bytes))).toBe(true);
  });

  it('refuses what structured clone would drop or change, naming where it is', () => {
    const model = cloneModel(models[0]!) as ResolvedEnvironment & { services: Array<{ env: unknown }> };
    (model.services[0]!.env as Record<string, unknown>).LATER = () => 'x';
    expect(() => wireJob(0, { model, release: {} })).toThrow(BugError);
    expect(() => wireJob(0, { model, release: {} })).toThrow(`${model.name}: services.0.env.LATER cannot be sent to a render worker (a function)`);
    const withClass = cloneModel(models[0]!) as unknown as Record<string, unknown>;
    withClass.extra = new URL('https://example.com');
    expect(() => wireJob(0, { model: withClass as unknown as ResolvedEnvironment, release: {} })).toThrow(/extra cannot be sent to a render worker \(an instance of URL\)/);
  });

  it('keeps on the main thread a job whose signature predicate is not keepsSignature', () => {
    const keepSignature = () => true;
    expect(crosses({ model: models[0]!, release: { keepSignature } })).toBe(false);
    expect(crosses({ model: models[0]!, release: { keepSignature: keepsSignature([]) } })).toBe(true);
    expect(crosses({ model: models[0]!, release: {} })).toBe(true);
    expect(() => wireJob(0, { model: models[0]!, release: { keepSignature } })).toThrow(BugError);
  });

  it("throws a worker's error as the same class, with its message and the worker's stack", () => {
    const bug = rebuiltError({ name: 'BugError', message: 'two generators wrote x', stack: 'BugError: two generators wrote x\n    at generate (worker)' });
    expect(bug).toBeInstanceOf(BugError);
    expect(bug.message).toBe('two generators wrote x');
    expect(bug.stack).toContain('at generate (worker)');
    expect(rebuiltError({ name: 'IntegrityError', message: 'names environment "x"' })).toBeInstanceOf(IntegrityError);
    const type = rebuiltError({ name: 'TypeError', message: 'x is undefined' });
    expect([type instanceof TypeError, type.name]).toEqual([true, 'TypeError']);
    const odd = rebuiltError({ name: 'OddError', message: 'odd' });
    expect([odd.constructor, odd.name, odd.message]).toEqual([Error, 'OddError', 'odd']);
  });
});

describe('how many threads render', () => {
  it('is SLIPWAY_WORKERS when set, whatever the number of environments', () => {
    expect(threadsFor(3, { SLIPWAY_WORKERS: '1' })).toBe(1);
    expect(threadsFor(3, { SLIPWAY_WORKERS: '4' })).toBe(4);
    expect(threadsFor(5000, { SLIPWAY_WORKERS: '1' })).toBe(1);
    for (const wrong of ['0', '-1', 'two', '1.5', '99999']) expect(() => threadsFor(100, { SLIPWAY_WORKERS: wrong })).toThrow(UsageError);
  });

  it('is one for a small build, and otherwise a thread per share of environments, up to one per core', () => {
    expect(threadsFor(2 * MIN_JOBS_PER_THREAD - 1, {})).toBe(1);
    expect(threadsFor(2 * MIN_JOBS_PER_THREAD, {})).toBe(Math.min(2, availableParallelism()));
    expect(threadsFor(1_000_000, {})).toBe(availableParallelism());
    expect(threadsFor(0, { SLIPWAY_WORKERS: '' })).toBe(1);
  });

  it('renders on the main thread from the TypeScript sources, in order, with progress', () => {
    const jobs = exampleJobs();
    const done: number[] = [];
    const folders = renderInParallel(jobs, { threads: 2, onProgress: (count) => done.push(count) });
    expect(folders.map(bytesOf)).toEqual(jobs.map((job) => bytesOf(renderFolder(job))));
    expect(done).toEqual(jobs.map((_, i) => i + 1));
  });
});
