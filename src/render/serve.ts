/**
 * What a render worker does (see pool.ts): renders each environment posted to it, in the order
 * received, and posts the folder back, then wakes the main thread, which waits on `signal` rather
 * than on its event loop. A failure is posted like a folder: the main thread would otherwise wait
 * for ever.
 *
 * A worker started before validation also helps the load stage read the environments' files (a
 * `load` task). Only what that needs is imported up front; the generators load right after, while
 * it reads, so a worker takes its share of the reading as early as possible.
 */
import type { MessagePort } from 'node:worker_threads';
import { readEnvironmentInputs, wireEnvironmentInputs } from '../load/environment-inputs.js';
import type { renderFolder } from './folder.js';
import { receivedJob, renderedMessage, type WireJob, type WireLoadTask, type WorkerMessage, type WorkerTask } from './wire.js';

/** What the pool hands each worker it starts (besides how to load this module). */
export interface RenderWorkerData {
  /** Where the worker posts its answers. */
  port: MessagePort;
  /** Bumped after each answer: the main thread sleeps on it. */
  signal: Int32Array;
}

/** Serves the pool on `port` until the worker is terminated. */
export function serveRenderJobs({ port, signal }: RenderWorkerData): void {
  const renderer: Promise<typeof renderFolder> = import('./folder.js').then((module) => module.renderFolder);
  const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => {
    port.postMessage(message, transfer);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  // Render jobs queue behind the generators' loading in the order they came, and are answered in it.
  let rendering = Promise.resolve();
  port.on('message', (task: WorkerTask) => {
    if (task.kind === 'load') load(task, post);
    else rendering = rendering.then(() => render(task, renderer, post));
  });
  port.on('messageerror', (error) => post(failed(-1, error)));
}

type Post = (message: WorkerMessage, transfer?: ArrayBuffer[]) => void;

function failed(index: number, error: unknown): WorkerMessage {
  const wire = error instanceof Error ? { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) } : { name: 'Error', message: String(error) };
  return { kind: 'failed', index, error: wire };
}

/** Reads environments while there are any left to take; the main thread takes its own from the same counter. */
function load(task: WireLoadTask, post: Post): void {
  for (let index = Atomics.add(task.claims, 0, 1); index < task.names.length; index = Atomics.add(task.claims, 0, 1)) {
    let message: WorkerMessage;
    try {
      message = { kind: 'loaded', index, inputs: wireEnvironmentInputs(readEnvironmentInputs(task.root, task.names[index]!)) };
    } catch (error) {
      message = failed(index, error);
    }
    post(message);
  }
}

async function render(job: WireJob, renderer: Promise<typeof renderFolder>, post: Post): Promise<void> {
  let render: typeof renderFolder;
  try {
    render = await renderer;
  } catch (error) {
    // The generators did not load: no job can render here (the main thread reports it as a bug).
    post(failed(-1, error));
    return;
  }
  let reply: { message: WorkerMessage; transfer?: ArrayBuffer[] };
  try {
    reply = renderedMessage(job.index, render(receivedJob(job)));
  } catch (error) {
    reply = { message: failed(job.index, error) };
  }
  post(reply.message, reply.transfer);
}
