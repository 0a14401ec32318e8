import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useScratchFolders } from '../../test/support/tree.js';
import { temporaryFolder } from './durable.js';

const scratch = useScratchFolders('slipway-durable-');

describe('temporaryFolder', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.TMPDIR;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });

  it('removes what dead runs left, and is not stopped by a left folder that a surviving child keeps filling', async () => {
    const parent = scratch();
    process.env.TMPDIR = parent;
    // Process ids above any a system hands out: their runs are dead.
    const gone = join(parent, 'slipway-test-999999990-AbCdEf');
    mkdirSync(join(gone, 'objects', 'aa'), { recursive: true });
    const busy = join(parent, 'slipway-test-999999991-GhIjKl');
    mkdirSync(join(busy, 'objects'), { recursive: true });
    // A git a kill did not reach, still writing objects into its dead parent's folder.
    // Its own process group, so that the kill below also reaches the `mkdir` it may be running.
    const writer = spawn('sh', ['-c', 'i=0; while true; do i=$((i+1)); mkdir -p objects/$i && : > objects/$i/object; done'], { cwd: busy, stdio: 'ignore', detached: true });
    try {
      await new Promise((done) => setTimeout(done, 200));
      const made = temporaryFolder('slipway-test-');
      expect(existsSync(made)).toBe(true);
      expect(existsSync(gone)).toBe(false);
    } finally {
      const exited = new Promise((done) => writer.once('exit', done));
      process.kill(-writer.pid!, 'SIGKILL');
      await exited;
    }
    // Once the writer is gone, the next run takes what is left.
    temporaryFolder('slipway-test-');
    expect(readdirSync(parent).filter((name) => name.includes('99999999'))).toEqual([]);
  });
});
