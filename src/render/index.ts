import { availableParallelism } from 'node:os';
import { UsageError } from '../core/errors.js';
import { renderFolder, withoutFiles, type RenderedFolder, type RenderJob } from './folder.js';
import { BugError } from '../core/errors.js';
import { readEnvironmentInputs, receivedEnvironmentInputs, type EnvironmentReader } from '../load/environment-inputs.js';
import { postAhead, renderOnWorkers, roomAhead, shareWithEarlyWorkers, startWorkersEarly, stopEarlyWorkers } from './pool.js';
import { crosses } from './wire.js';

export { renderFolder, type RenderedFolder, type RenderJob } from './folder.js';

/**
 * The render stage: each environment's folder generated and signed, on every core. Results come
 * back in job order and byte for byte as one thread would render them.
 */

/**
 * Environments each thread must have to repay starting it: a worker loads the generators, renders
 * its first environments several times slower than a warm thread, and collects its own garbage.
 * Measured on two cores with the bundled example cycled (Node 20, the CLI's interrupt budget): two
 * threads break even at about 100 environments and save about a fifth at 200.
 */
export const MIN_JOBS_PER_THREAD = 100;

export interface RenderOptions {
  /** Called after each folder is rendered, with how many are done, in no particular order of jobs. */
  onProgress?: (done: number) => void;
  /**
   * Called with each folder as soon as it is rendered, in no particular order of jobs, on the main
   * thread: the writer stages folders while the workers render the rest.
   */
  onRendered?: (index: number, folder: RenderedFolder) => void;
  /** Threads that render, the main thread included (default: `threadsFor`). */
  threads?: number;
  /**
   * False: each folder's files are dropped once `onRendered` has had them (the result's folders
   * come back with no files), so a streamed build does not hold every folder until the end.
   */
  keepFiles?: boolean;
}

/** The folders of `jobs`, in their order. */
export function renderInParallel(jobs: readonly RenderJob[], options: RenderOptions = {}): RenderedFolder[] {
  const threads = Math.min(options.threads ?? threadsFor(jobs.length), jobs.length);
  if (threads > 1 && workersCanRun && jobs.every(crosses)) return renderOnWorkers(jobs, threads - 1, options);
  stopEarlyWorkers();
  return jobs.map((job, index) => {
    const folder = renderFolder(job);
    options.onRendered?.(index, folder);
    options.onProgress?.(index + 1);
    return options.keepFiles === false ? withoutFiles(folder) : folder;
  });
}

/**
 * Starts the workers `expectedJobs` environments will need before the jobs themselves are known,
 * so they load while the main thread validates; `renderInParallel` takes them (and stops those it
 * turns out not to need).
 */
export function prepareRenderThreads(expectedJobs: number): void {
  const threads = threadsFor(expectedJobs);
  if (threads > 1 && workersCanRun) startWorkersEarly(threads - 1);
}

/**
 * The load stage's reading of the environments' files, shared with the threads `prepareRenderThreads`
 * started (on this thread alone when there are none): they are idle until the render, and reading
 * and parsing a fleet's files is most of what validating it costs.
 */
export const readEnvironmentsOnPreparedThreads: EnvironmentReader = (root, names) =>
  shareWithEarlyWorkers(
    names.length,
    (claims) => ({ kind: 'load', root, names: [...names], claims }),
    (index) => readEnvironmentInputs(root, names[index]!),
    (message) => {
      if (message.kind !== 'loaded') throw new BugError(`a render worker answered a load task with a ${message.kind} message`);
      return receivedEnvironmentInputs(message.inputs);
    },
  );

/**
 * Environments to render, offered while the main thread still validates: the threads
 * `prepareRenderThreads` started take them as they become free, instead of idling until the
 * render. An offer is a promise of nothing — validation may still fail, and the render keeps a
 * folder rendered ahead only if its jobs hold the very job offered — so jobs are made only when
 * posted, a few at a time. Undefined when there are no such threads.
 */
export function renderAhead(): RenderAhead | undefined {
  return workersCanRun && roomAhead() > 0 ? new RenderAhead() : undefined;
}

export class RenderAhead {
  private readonly offered: Array<() => RenderJob | undefined> = [];
  private taken = 0;

  /** `job` is called when a thread has room; undefined: it is not to be rendered ahead after all. */
  offer(job: () => RenderJob | undefined): void {
    this.offered.push(job);
    this.turn();
  }

  /** Posts offered jobs while the threads have room: called between steps of the validation. */
  turn(): void {
    for (let room = roomAhead(); room > 0 && this.taken < this.offered.length; ) {
      const job = this.offered[this.taken]!();
      this.offered[this.taken++] = noJob;
      if (job === undefined || !crosses(job)) continue;
      postAhead(job);
      room--;
    }
  }
}

const noJob = () => undefined;

/** Stops the threads `prepareRenderThreads` started when nothing is going to render (validation failed). */
export function releasePreparedThreads(): void {
  stopEarlyWorkers();
}

/**
 * How many threads render `jobs` environments: `SLIPWAY_WORKERS` when it is set (1: the main thread
 * alone), else one per core the process may use, as long as each has enough environments.
 */
export function threadsFor(jobs: number, env: NodeJS.ProcessEnv = process.env): number {
  const asked = env.SLIPWAY_WORKERS;
  if (asked !== undefined && asked !== '') {
    if (!/^[1-9][0-9]{0,3}$/.test(asked)) throw new UsageError(`SLIPWAY_WORKERS must be a number of threads from 1 to 9999, not ${JSON.stringify(asked)}`);
    return Number(asked);
  }
  return Math.max(1, Math.min(availableParallelism(), Math.floor(jobs / MIN_JOBS_PER_THREAD)));
}

/**
 * A worker runs the compiled `worker.js`: from the TypeScript sources (under vitest), everything
 * renders on the main thread. The pool itself is tested through the built CLI.
 */
const workersCanRun = import.meta.url.endsWith('.js');
