/**
 * A render worker (see pool.ts): renders each environment posted to it, in the order received, and
 * posts the folder back, then wakes the main thread, which waits on `signal` rather than on its
 * event loop. A failure is posted like a folder: the main thread would otherwise wait for ever.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { renderFolder } from './folder.js';
import { receivedJob, renderedMessage, type WireJob, type WorkerMessage } from './wire.js';

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function failed(index: number, error: unknown): WorkerMessage {
  const wire = error instanceof Error ? { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) } : { name: 'Error', message: String(error) };
  return { kind: 'failed', index, error: wire };
}

port.on('message', (job: WireJob) => {
  let reply: { message: WorkerMessage; transfer?: ArrayBuffer[] };
  try {
    reply = renderedMessage(job.index, renderFolder(receivedJob(job)));
  } catch (error) {
    reply = { message: failed(job.index, error) };
  }
  post(reply.message, reply.transfer);
});
port.on('messageerror', (error) => post(failed(-1, error)));
