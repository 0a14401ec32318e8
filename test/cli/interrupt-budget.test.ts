import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/tree.js';

/**
 * The built CLI (`bin/slipway.js`) raises V8's interrupt budget before the rest loads (why: see
 * there). Loaded first (`--import`), a hook records the V8 flags it sets.
 */
const work = mkdtempSync(join(tmpdir(), 'slipway-budget-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const hook = join(work, 'record-flags.mjs');
writeFileSync(
  hook,
  `import v8 from 'node:v8';
import { syncBuiltinESMExports } from 'node:module';
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => {
  process.stderr.write(\`v8 flags: \${flags}\\n\`);
  set(flags);
};
syncBuiltinESMExports();
`,
);

function flagsSet(nodeOptions: string[]): string[] {
  const run = spawnSync(process.execPath, [...nodeOptions, '--import', pathToFileURL(hook).href, join(repositoryRoot, 'bin', 'slipway.js'), '--version'], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return [...run.stderr.matchAll(/^v8 flags: (.*)$/gm)].map((match) => match[1]!);
}

describe('the CLI', () => {
  it('raises the interrupt budget before it loads, and keeps one given to node itself', () => {
    expect(flagsSet([])).toEqual(['--interrupt-budget=1000000']);
    expect(flagsSet(['--interrupt-budget=200000'])).toEqual([]);
  });
});
