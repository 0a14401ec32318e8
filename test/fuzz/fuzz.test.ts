import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonLines, runCli } from '../support/cli.js';
import { fixturesDir, readTree, removeTree, repositoryRoot } from '../support/tree.js';
import { mutate, mutationArbitrary } from './mutate.js';

/**
 * The fuzzer: one to three mutations of the files of a small source tree (structure-aware and
 * byte-level, test/fuzz/mutate.ts), then `validate` — and for some cases `build` — through the
 * real CLI. Whatever the input, the run ends with exit 0 or 1, every error is a finding located in
 * a file of the tree (line and column at least 1), nothing prints a stack trace or calls itself a
 * bug, and each run ends in bounded time. `npm test` runs the quick profile; `npm run fuzz` the
 * long one (FUZZ_RUNS, default 10,000 there), with FUZZ_SEED to replay a case.
 */

const runs = Number(process.env.FUZZ_RUNS ?? 150);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** The tree mutated: the small fixture by default; FUZZ_BASE=example takes the bundled example (slower, wider). */
const exampleFolders = ['environments', 'services', 'releases', 'policies', 'secrets', 'keys', 'slipway.yaml'];
const baseRoot = process.env.FUZZ_BASE === 'example' ? repositoryRoot : join(fixturesDir, 'minimal');

function copyBase(): string {
  const root = mkdtempSync(join(tmpdir(), 'slipway-fuzz-'));
  for (const entry of process.env.FUZZ_BASE === 'example' ? exampleFolders : readdirSync(baseRoot)) cpSync(join(baseRoot, entry), join(root, entry), { recursive: true });
  return root;
}

/** The input files of a folder, relative to it, sorted. */
const inputFiles = (root: string): string[] => [...readTree(root).keys()].sort();

const files = process.env.FUZZ_BASE === 'example' ? exampleFolders.flatMap((entry) => (entry.includes('.') ? [entry] : inputFiles(join(baseRoot, entry)).map((path) => `${entry}/${path}`))) : inputFiles(baseRoot);

const caseArbitrary = fc.record({
  edits: fc.array(fc.record({ file: fc.nat({ max: files.length - 1 }), mutation: mutationArbitrary }), { minLength: 1, maxLength: 3 }),
  build: fc.nat({ max: 4 }).map((value) => value === 0),
});

describe('the fuzzer', () => {
  it(`${runs} mutated trees: exit 0 or 1, every error located in an input file, no stack trace, bounded time`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async ({ edits, build }) => {
        // Each case removes its own tree: ten thousand left for one cleanup would outlast any hook.
        const root = copyBase();
        try {
          await check(root, edits, build);
        } finally {
          removeTree(root);
        }
      }),
      { numRuns: runs, ...(seed !== undefined ? { seed } : {}), endOnFailure: true },
    );
  }, Math.max(120_000, runs * 2_000));
});

/** One case: the edits applied, the command run, and what any run must satisfy. */
async function check(root: string, edits: Array<{ file: number; mutation: Parameters<typeof mutate>[1] }>, build: boolean): Promise<void> {
  for (const { file, mutation } of edits) {
    const path = join(root, files[file]!);
    writeFileSync(path, mutate(readFileSync(path), mutation));
  }
  const started = Date.now();
  const argv = build ? ['build', '--no-sign', '--format', 'json', '--out', join(root, '.fuzz-out')] : ['validate', '--format', 'json'];
  const run = await runCli(argv, { cwd: root });
  const elapsed = Date.now() - started;
  const context = `${argv[0]} after ${JSON.stringify(edits)}\n${run.stderr}\n${run.stdout.slice(0, 2000)}`;
  expect([0, 1], context).toContain(run.exitCode);
  expect(run.stderr, context).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
  expect(run.stderr, context).not.toMatch(/this is a bug/i);
  const findings = parseJsonLines(run.stdout.split('\n').filter((line) => line.startsWith('{')).join('\n'));
  for (const finding of findings.filter((candidate) => candidate.severity === 'error')) {
    expect(finding.file, context).not.toBe('');
    expect(finding.file.startsWith('/') || finding.file.startsWith('..'), context).toBe(false);
    expect(finding.line, context).toBeGreaterThanOrEqual(1);
    expect(finding.column, context).toBeGreaterThanOrEqual(1);
  }
  if (run.exitCode === 1) expect(findings.some((finding) => finding.severity === 'error') || run.stderr.length > 0, context).toBe(true);
  expect(elapsed, context).toBeLessThan(10_000);
}
