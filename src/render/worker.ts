/**
 * The entry of a render worker started from Slipway's compiled modules (dist/src) rather than from
 * the CLI's bundle, which carries `serveRenderJobs` itself (see pool.ts).
 */
import { workerData } from 'node:worker_threads';
import { serveRenderJobs, type RenderWorkerData } from './serve.js';

serveRenderJobs(workerData as RenderWorkerData);
