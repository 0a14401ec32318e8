import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { fixturesDir, readTree, repositoryRoot } from './support/tree.js';

/**
 * The bundled example's whole output tree, byte for byte. A generator change shows up here as a
 * reviewable diff of test/golden/example/; regenerate with `UPDATE_GOLDEN=1 npm test`.
 */
const golden = join(repositoryRoot, 'test', 'golden', 'example');
const work = mkdtempSync(join(tmpdir(), 'slipway-golden-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));


describe('golden output of the bundled example', () => {
  it('matches test/golden/example byte for byte', async () => {
    const run = await runCli(
      ['build', '--out', join(work, 'output'), '--signing-key', join(fixturesDir, 'keys', 'golden-signing.key.pem'), '--source-commit', '0123456789abcdef0123456789abcdef01234567'],
      { cwd: repositoryRoot },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    if (process.env.UPDATE_GOLDEN === '1') {
      rmSync(golden, { recursive: true, force: true });
      cpSync(join(work, 'output'), golden, { recursive: true });
    }
    const built = readTree(join(work, 'output'));
    const expected = readTree(golden);
    expect([...built.keys()]).toEqual([...expected.keys()]);
    for (const [file, bytes] of built) {
      expect(bytes.equals(expected.get(file)!), `${file} differs from the golden tree; run UPDATE_GOLDEN=1 npm test and review the diff`).toBe(true);
    }
  });
});
