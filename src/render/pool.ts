import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { runningBundle } from '../core/code-cache.js';
import { BugError } from '../core/errors.js';
import { renderFolder, withoutFiles, type RenderedFolder, type RenderJob } from './folder.js';
import type { RenderOptions } from './index.js';
import { rebuiltError, receivedFolder, wireJob, type WireError, type WorkerMessage, type WorkerTask } from './wire.js';

/**
 * A pool of worker threads behind a synchronous call: the driver stays synchronous, so the main
 * thread does not go back to its event loop while the workers render. It posts jobs on one
 * MessagePort per worker, sleeps in `Atomics.wait` on a shared counter that each worker bumps
 * after posting a result, and takes the results with `receiveMessageOnPort`. Jobs go out in order,
 * a few at a time per worker so that none waits for its next one; between two looks at the ports,
 * the main thread renders a job itself.
 */

/**
 * Jobs a worker holds at once: the one it renders, and the next ones it finds waiting when done —
 * enough to outlast a pause of the main thread (its own job, a write, a full collection of its heap)
 * without running dry; few enough that the last jobs still spread over every thread.
 */
const QUEUED_PER_WORKER = 8;

interface PoolWorker {
  worker: Worker;
  port: MessagePort;
  /** Jobs posted to it that it has not answered yet. */
  pending: number;
  /** Source files whose text it holds (see `wireJob`). */
  sentTexts: Set<number>;
}

/**
 * The folders of `jobs` in their order, rendered by the main thread and `workers` worker threads
 * (running the CLI's bundle, or the compiled `worker.js` beside this module). The error of the
 * first failing job in job order is thrown, as rendering one after the other would throw it; every
 * worker is terminated before this returns.
 */
export function renderOnWorkers(jobs: readonly RenderJob[], workers: number, { onProgress, onRendered, keepFiles }: Pick<RenderOptions, 'onProgress' | 'onRendered' | 'keepFiles'> = {}): RenderedFolder[] {
  const started = takeEarlyWorkers();
  const signal = started?.signal ?? newSignal();
  const pool: PoolWorker[] = [];
  const results: Array<RenderedFolder | undefined> = jobs.map(() => undefined);
  const failures = new Map<number, unknown>();
  // Jobs posted ahead come back as these jobs; one the render no longer holds is answered and dropped.
  const indexOfJob = new Map(jobs.map((job, index) => [job, index] as const));
  const aheadFor = (started?.ahead ?? []).map(({ job, member }) => ({ index: indexOfJob.get(job), member }));
  const claimed = new Set<number>();
  for (const ahead of aheadFor) if (ahead.index !== undefined) claimed.add(ahead.index);
  let next = 0;
  let settled = 0;
  // Jobs handed out so far (posted, rendered here, or posted ahead): the render ends when as many have settled.
  let handedOut = claimed.size;
  const rendered = (index: number, folder: RenderedFolder) => {
    results[index] = keepFiles === false ? withoutFiles(folder) : folder;
    settled++;
    // Nothing more is handed on once a job has failed: the build will not be written.
    if (failures.size === 0) onRendered?.(index, folder);
    onProgress?.(settled - failures.size);
  };
  const failed = (index: number, error: unknown) => {
    failures.set(index, error);
    settled++;
  };
  // After a failure nothing new starts; the jobs already out are waited for, since an earlier one may fail too.
  const more = () => {
    while (next < jobs.length && claimed.has(next)) next++;
    return next < jobs.length && failures.size === 0;
  };
  const feed = (member: PoolWorker) => {
    while (member.pending < QUEUED_PER_WORKER && more()) {
      member.port.postMessage(wireJob(next, jobs[next]!, member.sentTexts));
      next++;
      handedOut++;
      member.pending++;
    }
  };
  const take = (message: WorkerMessage) => {
    // Failed outside any job (it did not start): the jobs it holds will never come back.
    if (message.kind === 'failed' && message.index < 0) throw workerFailure(message.error);
    if (message.kind === 'loaded') throw new BugError(`a render worker answered a load task (${message.index}) after the load stage`);
    const index = message.index >= AHEAD_INDEX ? aheadFor[message.index - AHEAD_INDEX]?.index : message.index;
    if (index !== undefined) {
      if (message.kind === 'rendered') rendered(index, receivedFolder(message));
      else failed(index, rebuiltError(message.error));
    }
  };
  // Every answer waiting is received, and the workers given their next jobs, before any is handed
  // on: handing one on (writing its folder) takes time during which a worker must not run dry — as
  // it would behind a backlog of folders it rendered ahead, each counted as pending until received.
  const inbox: WorkerMessage[] = [];

  try {
    for (const member of started?.members ?? []) {
      if (pool.length < workers) {
        pool.push(member);
        continue;
      }
      void member.worker.terminate();
      // What it was given ahead will not come back: rendered like the rest.
      for (const ahead of aheadFor) {
        if (ahead.member !== member || ahead.index === undefined) continue;
        claimed.delete(ahead.index);
        handedOut--;
        ahead.index = undefined;
      }
    }
    while (pool.length < workers) pool.push(startWorker(signal));
    pool.forEach(feed);
    while (settled < handedOut || more()) {
      const seen = Atomics.load(signal, 0);
      for (const member of pool) {
        for (let got = receiveMessageOnPort(member.port); got; got = receiveMessageOnPort(member.port)) {
          inbox.push(got.message as WorkerMessage);
          member.pending--;
        }
      }
      if (inbox.length > 0) {
        const answers = inbox.splice(0);
        // Failures first: one stops the feeding (see `more`). Handing a folder on frees no worker's
        // queue, so the workers are fed once, before.
        for (const message of answers) if (message.kind !== 'rendered') take(message);
        pool.forEach(feed);
        for (const message of answers) if (message.kind === 'rendered') take(message);
        continue;
      }
      if (more()) {
        const index = next++;
        handedOut++;
        let folder: RenderedFolder;
        try {
          folder = renderFolder(jobs[index]!);
        } catch (error) {
          failed(index, error);
          continue;
        }
        rendered(index, folder);
        continue;
      }
      // Returns at once if a worker posted since `seen` was read: no result can be missed.
      Atomics.wait(signal, 0, seen);
    }
  } finally {
    for (const member of pool) {
      member.port.close();
      void member.worker.terminate();
    }
  }
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
  return results.map((folder, index) => folder ?? missing(index));
}

/**
 * Runs tasks 0…count-1 on this thread and on the workers started early (see `startWorkersEarly`),
 * before they render: every thread takes the next index from one shared counter, so the work goes
 * to whichever is free, and none waits for a worker still starting — if no worker ever gets to
 * it, this thread does it all. Results come back in task order. A task that failed on a worker is
 * run again here, so its error is thrown here as running it alone would throw it.
 */
export function shareWithEarlyWorkers<T>(count: number, task: (claims: Int32Array) => WorkerTask, runHere: (index: number) => T, received: (message: WorkerMessage) => T): T[] {
  const results = new Array<T>(count);
  const claims = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const helpers = early;
  if (helpers && count > 0) for (const member of helpers.members) member.port.postMessage(task(claims));
  let settled = 0;
  const drain = () => {
    for (const member of helpers?.members ?? []) {
      for (let got = receiveMessageOnPort(member.port); got; got = receiveMessageOnPort(member.port)) {
        const message = got.message as WorkerMessage;
        if (message.index < 0 && message.kind === 'failed') throw workerFailure(message.error);
        results[message.index] = message.kind === 'failed' ? runHere(message.index) : received(message);
        settled++;
      }
    }
  };
  for (let index = Atomics.add(claims, 0, 1); index < count; index = Atomics.add(claims, 0, 1)) {
    results[index] = runHere(index);
    settled++;
  }
  while (helpers && settled < count) {
    const seen = Atomics.load(helpers.signal, 0);
    drain();
    if (settled < count) Atomics.wait(helpers.signal, 0, seen);
  }
  return results;
}

function workerFailure(error: WireError): BugError {
  const failure = new BugError(`a render worker failed: ${error.message} (SLIPWAY_WORKERS=1 renders without workers)`);
  if (error.stack) failure.stack = error.stack;
  return failure;
}

function missing(index: number): never {
  throw new BugError(`the render pool lost job ${index}`);
}

/**
 * What a worker runs first. Under the CLI, the CLI's own bundle, compiled with the code cache the
 * CLI used (`runningBundle`): that cache holds the bytecode of the generators the main thread ran,
 * which a worker would otherwise compile again, function by function, while it renders. Else the
 * compiled worker.js beside this module. It says so if loading fails (a module missing, or Node
 * refusing the entry, as with an `--input-type` the worker inherits), since the main thread does not
 * hear a worker's 'error' event while it waits. Plain JavaScript, run as a script or as a module.
 */
const bootstrap = `import('node:worker_threads').then(async ({ workerData }) => {
  try {
    if (workerData.bundle === undefined) await import(workerData.entry);
    else {
      const { loadBundle } = await import(workerData.bundle.loader);
      await loadBundle(workerData.bundle.file, workerData.bundle.command).exports.serveRenderJobs(workerData);
    }
  } catch (error) {
    const message = { kind: 'failed', index: -1, error: { name: String((error && error.name) || 'Error'), message: String((error && error.message) || error), stack: String((error && error.stack) || '') } };
    workerData.port.postMessage(message);
    Atomics.add(workerData.signal, 0, 1);
    Atomics.notify(workerData.signal, 0);
  }
});`;

function newSignal(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/** Workers started before their jobs are known (see `startWorkersEarly`), for the next pool. */
let early: EarlyWorkers | undefined;

interface EarlyWorkers {
  signal: Int32Array;
  members: PoolWorker[];
  /** Jobs posted before the render (see `postAhead`), wire index `AHEAD_INDEX + position`. */
  ahead: Array<{ job: RenderJob; member: PoolWorker }>;
  /** The signal's count when the first job was posted ahead: what the workers answered before. */
  answeredBefore?: number;
}

/** Wire indexes of jobs posted ahead start here, far above any render's own job indexes. */
const AHEAD_INDEX = 2 ** 30;

/**
 * How many more jobs the workers started early can be given ahead of the render without queueing
 * more than a render keeps queued: 0 when there are none.
 */
export function roomAhead(): number {
  if (!early || early.members.length === 0) return 0;
  const answered = early.answeredBefore === undefined ? 0 : Atomics.load(early.signal, 0) - early.answeredBefore;
  return Math.max(0, QUEUED_PER_WORKER * early.members.length - (early.ahead.length - answered));
}

/**
 * Posts a job to a worker started early, before the render is called: the main thread is still
 * validating, and the workers would idle. The render takes its folder if its jobs hold this very
 * job (the same object); the job must cross (see `crosses`).
 */
export function postAhead(job: RenderJob): void {
  if (!early || early.members.length === 0) throw new BugError('a job was posted ahead with no worker started early');
  early.answeredBefore ??= Atomics.load(early.signal, 0);
  const member = early.members.reduce((least, candidate) => (candidate.pending < least.pending ? candidate : least));
  member.port.postMessage(wireJob(AHEAD_INDEX + early.ahead.length, job, member.sentTexts));
  member.pending++;
  early.ahead.push({ job, member });
}

/**
 * Starts `count` workers now, so that they load the generators on the other cores while the main
 * thread still validates. They do not keep the process alive: a build whose validation fails ends
 * without them.
 */
export function startWorkersEarly(count: number): void {
  if (early || count <= 0) return;
  const signal = newSignal();
  const members = Array.from({ length: count }, () => startWorker(signal));
  for (const member of members) member.worker.unref();
  early = { signal, members, ahead: [] };
}

/** Stops the workers started early when the render turns out not to need them. */
export function stopEarlyWorkers(): void {
  for (const member of takeEarlyWorkers()?.members ?? []) void member.worker.terminate();
}

function takeEarlyWorkers(): typeof early {
  const taken = early;
  early = undefined;
  return taken;
}

function startWorker(signal: Int32Array): PoolWorker {
  const { port1, port2 } = new MessageChannel();
  const bundle = runningBundle();
  const from = bundle ? { bundle } : { entry: new URL('./worker.js', import.meta.url).href };
  const worker = new Worker(bootstrap, { eval: true, workerData: { ...from, port: port2, signal }, transferList: [port2] });
  return { worker, port: port1, pending: 0, sentTexts: new Set() };
}
