import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeFiles } from '../../generators/compose/index.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { readyModels } from '../support/example.js';
import { makeTree, removeTree } from '../support/tree.js';
import { composeSpecValidator, crossReferenceProblems } from '../compose/support.js';
import { optionsTreeEdits, pinned, workerIni } from './tree.js';

/** Every service option Compose has a meaning for, on a fresh tree's bare-metal target (onprem), against the Compose Specification. */
let root: string;
let model: ResolvedEnvironment;
let files: Map<string, Uint8Array>;
let document: Record<string, any>;
beforeAll(() => {
  root = makeTree(optionsTreeEdits());
  model = readyModels('compose', root).get('onprem')!;
  files = composeFiles(model);
  document = parse(new TextDecoder().decode(files.get('docker-compose.yml'))) as Record<string, any>;
});
afterAll(() => root && removeTree(root));

describe('service options on Compose', () => {
  it('validates against the Compose Specification schema and references only what it defines', () => {
    const validate = composeSpecValidator();
    expect(validate(document), JSON.stringify(validate.errors, null, 1)).toBe(true);
    expect(crossReferenceProblems(document)).toEqual([]);
  });

  it('mounts the persistent volume as a named volume and the config file read-only from a file shipped beside the Compose file', () => {
    expect(document.volumes).toEqual({ 'database-data': {}, 'worker-model-cache': {} });
    expect(document.services.worker.volumes).toEqual(['worker-model-cache:/models', './config/worker/config-1:/etc/worker/worker.ini:ro']);
    expect(new TextDecoder().decode(files.get('config/worker/config-1'))).toBe(workerIni);
  });

  it('labels the container, runs it as the user asked with a read-only root', () => {
    expect(document.services.worker).toMatchObject({ labels: { team: 'ml', 'dev.slipway.kind': 'app' }, user: '1000:1000', read_only: true });
  });

  it('runs the init container as a one-shot service the worker waits for, and the sidecar as a service beside it', () => {
    const init = document.services['worker-fetch-models'];
    expect(init).toMatchObject({ image: pinned('a'), command: ['fetch', '--into=/models'], restart: 'no', labels: { 'dev.slipway.kind': 'init' }, volumes: document.services.worker.volumes });
    // Compose interpolates $: doubled in the file, so the container sees the text as written.
    expect(init.environment).toEqual({ SOURCE: 's3://models/$$(latest)' });
    expect(init.deploy.resources.limits).toEqual({ cpus: 0.1, memory: '128m' });
    const sidecar = document.services['worker-log-shipper'];
    expect(sidecar).toMatchObject({ image: pinned('b'), restart: 'unless-stopped', labels: { 'dev.slipway.kind': 'sidecar' } });
    expect(document.services.worker.depends_on).toEqual({
      database: { condition: 'service_healthy' },
      'worker-fetch-models': { condition: 'service_completed_successfully' },
      'worker-log-shipper': { condition: 'service_started' },
    });
  });

  it('keeps the scheduled worker out of `docker compose up`: a profile, and no restart', () => {
    expect(document.services.reports).toMatchObject({ profiles: ['scheduled'], restart: 'no' });
  });

  it('has nothing of the placement, annotations or ServiceAccount (a warning says so: findings.test.ts)', () => {
    const text = new TextDecoder().decode(files.get('docker-compose.yml'));
    for (const absent of ['example.com/pool', 'dedicated', 'example.com/owner', 'instance-type']) expect(text).not.toContain(absent);
  });
});
