import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareReuse } from '../../src/reuse/index.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { copyExampleSource, editFile, fixedEpoch, fixturesDir, readTree, useScratchFolders } from '../support/tree.js';

/**
 * A plain `slipway build` into an output it built before renders only the environments whose
 * inputs changed and keeps the other folders; whatever changed, the output must be byte for byte
 * what a build into an empty folder writes, and the findings the same.
 */

const signing = ['--signing-key', join(fixturesDir, 'keys', 'golden-signing.key.pem')];
const scratchFolder = useScratchFolders('slipway-incremental-');

/** A copy of the bundled example, whose environments cover every runtime, provider and verdict. */
function exampleTree(): string {
  return copyExampleSource(scratchFolder());
}

interface Built {
  exitCode: number;
  summary: { reused: number; built: number; blocked: number; files: number; ok: boolean };
  findings: string[];
}

async function build(root: string, out: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Built> {
  const run = await runCli(['build', '--root', root, '--out', out, '--format', 'json', ...extra], { cwd: root, env: { SOURCE_DATE_EPOCH: fixedEpoch, ...env } });
  const lines = run.stdout.trim().split('\n');
  const summary = JSON.parse(lines.at(-1)!);
  const findings = parseJsonLines(lines.slice(0, -1).join('\n')).map((finding) => JSON.stringify(finding));
  return { exitCode: run.exitCode, summary, findings };
}

function differences(actual: Map<string, Buffer>, expected: Map<string, Buffer>): string[] {
  const paths = new Set([...actual.keys(), ...expected.keys()]);
  return [...paths].filter((path) => !expected.has(path) || !actual.get(path)?.equals(expected.get(path)!)).sort();
}

/** Builds incrementally into `output`, then cold into a fresh folder, and compares bytes and findings. */
async function expectSameAsCold(root: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Built> {
  const incremental = await build(root, join(root, 'output'), extra, env);
  expect(incremental.exitCode).toBe(0);
  const coldOut = join(root, `cold-${Math.random().toString(36).slice(2)}`);
  const cold = await build(root, coldOut, extra, env);
  expect(cold.exitCode).toBe(0);
  expect(cold.summary.reused).toBe(0);
  expect(differences(readTree(join(root, 'output')), readTree(coldOut))).toEqual([]);
  expect(incremental.findings).toEqual(cold.findings);
  expect({ ...incremental.summary, reused: 0, durationMs: 0 }).toEqual({ ...cold.summary, durationMs: 0 });
  rmSync(coldOut, { recursive: true });
  rmSync(join(root, `.${coldOut.split('/').at(-1)}.build-record.json`), { force: true });
  return incremental;
}

describe('incremental build', () => {
  it('after one environment file changed, renders only that environment and writes what a cold build writes', async () => {
    const root = exampleTree();
    const first = await build(root, join(root, 'output'), signing);
    expect(first.exitCode).toBe(0);
    expect(first.summary.reused).toBe(0);
    const again = await expectSameAsCold(root, signing);
    expect(again.summary.reused).toBe(again.summary.built);

    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^domain: .*$/m, 'domain: staging.example.net'));
    const changed = await expectSameAsCold(root, signing);
    expect(changed.summary.reused).toBe(changed.summary.built - 1);
  });

  it('takes unchanged inputs from the record by their status, and still sees a file changed in place with its size and time as they were', async () => {
    const root = exampleTree();
    // Inputs whose times are not yet two seconds old when read are not taken by status next time.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await build(root, join(root, 'output'), signing)).exitCode).toBe(0);
    const record = JSON.parse(readFileSync(join(root, '.output.build-record.json'), 'utf8')) as { inputs: Record<string, [string, string]> };
    expect(Object.keys(record.inputs)).toEqual(expect.arrayContaining(['environments/staging.yaml', 'secrets/staging.sops.yaml', 'slipway.yaml']));

    const path = join(root, 'environments', 'staging.yaml');
    const before = statSync(path);
    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^domain: (.*)$/m, (_, domain: string) => `domain: ${[...domain].reverse().join('')}`));
    utimesSync(path, before.atime, before.mtime);
    expect(statSync(path).size).toBe(before.size);
    const changed = await expectSameAsCold(root, signing);
    expect(changed.summary.reused).toBe(changed.summary.built - 1);
  });

  it('renders again every environment a changed service, release, policy, secrets file or signing key reaches', async () => {
    const root = exampleTree();
    expect((await build(root, join(root, 'output'), ['--no-sign'])).exitCode).toBe(0);

    const service = readdirSync(join(root, 'services'))[0]!;
    editFile(root, `services/${service}/service.json`, (text) => {
      const document = JSON.parse(text);
      document.env = { ...document.env, INCREMENTAL_PROBE: '1' };
      return `${JSON.stringify(document, null, 2)}\n`;
    });
    const afterService = await expectSameAsCold(root, ['--no-sign']);
    expect(afterService.summary.reused).toBe(0);

    // The SOPS file of a ready target, carried into its folder byte for byte.
    editFile(root, 'secrets/staging.sops.yaml', (text) => `${text}# touched\n`);
    const afterSecrets = await expectSameAsCold(root, ['--no-sign']);
    expect(afterSecrets.summary.reused).toBeGreaterThanOrEqual(afterSecrets.summary.built - 1);

    editFile(root, 'policies/target-policy.yaml', (text) => `${text}# touched\n`);
    expect((await expectSameAsCold(root, ['--no-sign'])).summary.reused).toBe(0);

    const release = readdirSync(join(root, 'releases'))[0]!;
    editFile(root, `releases/${release}`, (text) => `${text}# touched\n`);
    await expectSameAsCold(root, ['--no-sign']);

    // Signing for the first time re-signs every manifest.
    expect((await expectSameAsCold(root, signing)).summary.reused).toBe(0);
  });

  it('follows environments added and removed', async () => {
    const root = exampleTree();
    expect((await build(root, join(root, 'output'), ['--no-sign'])).exitCode).toBe(0);
    cpSync(join(root, 'environments', 'staging.yaml'), join(root, 'environments', 'staging-two.yaml'));
    editFile(root, 'environments/staging-two.yaml', (text) => text.replace(/^name: staging$/m, 'name: staging-two').replace(/^domain: .*$/m, 'domain: two.example.net'));
    if (existsSync(join(root, 'secrets', 'staging.sops.yaml'))) cpSync(join(root, 'secrets', 'staging.sops.yaml'), join(root, 'secrets', 'staging-two.sops.yaml'));
    await expectSameAsCold(root, ['--no-sign']);
    rmSync(join(root, 'environments', 'staging.yaml'));
    rmSync(join(root, 'secrets', 'staging.sops.yaml'), { force: true });
    await expectSameAsCold(root, ['--no-sign']);
    expect(existsSync(join(root, 'output', 'environments', 'staging'))).toBe(false);
  });

  it('judges time-based verdicts again when the clock moves', async () => {
    const root = exampleTree();
    expect((await build(root, join(root, 'output'), ['--no-sign'])).exitCode).toBe(0);
    // A year on, the production attestations are stale: those targets are blocked, the rest kept.
    const later = String(Number(fixedEpoch) + 365 * 86400);
    const run = await expectSameAsCold(root, ['--no-sign'], { SOURCE_DATE_EPOCH: later });
    expect(run.summary.reused).toBeGreaterThan(0);
  });

  it('renders a folder again when the output no longer holds what the record says, and ignores a damaged record', async () => {
    const root = exampleTree();
    const out = join(root, 'output');
    expect((await build(root, out, ['--no-sign'])).exitCode).toBe(0);
    const folder = readdirSync(join(out, 'environments'))[0]!;
    writeFileSync(join(out, 'environments', folder, 'release.json'), '{}\n');
    const repaired = await expectSameAsCold(root, ['--no-sign']);
    expect(repaired.summary.reused).toBe(repaired.summary.built - 1);

    writeFileSync(join(root, '.output.build-record.json'), '{"format": "slipway-build-record/1", "shared": 7');
    expect((await expectSameAsCold(root, ['--no-sign'])).summary.reused).toBe(0);

    // A file at the root that Slipway does not write: the whole tree is written again, as a cold
    // build would, so nothing is planned for reuse (it would be rendered twice).
    const planned = () => prepareReuse({ root, out, now: new Date(Number(fixedEpoch) * 1000) }).plan.reused.size;
    expect(planned()).toBeGreaterThan(0);
    writeFileSync(join(out, 'NOTES.txt'), 'mine\n');
    expect(planned()).toBe(0);
    await expectSameAsCold(root, ['--no-sign']);
  });

  it('takes a blocked target without a folder from the record, and judges it again when its file changes or a folder appears', async () => {
    const root = exampleTree();
    const out = join(root, 'output');
    const first = await build(root, out, ['--no-sign']);
    expect(first.exitCode).toBe(0);
    const plan = () => prepareReuse({ root, out, now: new Date(Number(fixedEpoch) * 1000) }).plan.reused;
    const blocked = [...plan()].filter(([, recorded]) => recorded.status === 'blocked').map(([name]) => name);
    expect(blocked.length).toBe(first.summary.blocked);
    const [name] = blocked;
    expect(plan().get(name!)!.blockReasons!.length).toBeGreaterThan(0);
    // Judged from the record: the same notices, index.json and README.md as a cold build.
    await expectSameAsCold(root, ['--no-sign']);

    editFile(root, `environments/${name}.yaml`, (text) => `${text}# touched\n`);
    expect(plan().has(name!)).toBe(false);
    await expectSameAsCold(root, ['--no-sign']);
    expect(plan().has(name!)).toBe(true);

    // A folder where the record says there is none: judged again, and the folder goes as a cold build leaves none.
    mkdirSync(join(out, 'environments', name!));
    writeFileSync(join(out, 'environments', name!, 'README.md'), 'stray\n');
    expect(plan().has(name!)).toBe(false);
    await expectSameAsCold(root, ['--no-sign']);
    expect(existsSync(join(out, 'environments', name!))).toBe(false);
  });

  it('an --env build into an output built before takes the other environments from the record, and renders its own only when it changed', async () => {
    const root = exampleTree();
    const out = join(root, 'output');
    expect((await build(root, out, signing)).exitCode).toBe(0);
    const before = readTree(out);
    const unchanged = await build(root, out, [...signing, '--env', 'staging']);
    expect(unchanged.exitCode).toBe(0);
    expect(unchanged.summary).toMatchObject({ built: 1, reused: 1 });
    expect(differences(readTree(out), before)).toEqual([]);

    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^domain: .*$/m, 'domain: staging.example.net'));
    const changed = await build(root, out, [...signing, '--env', 'staging']);
    expect(changed.exitCode).toBe(0);
    expect(changed.summary).toMatchObject({ built: 1, reused: 0 });
    // Only staging changed, so the output is now what a cold build writes, findings included.
    const coldOut = join(root, 'cold-env');
    const cold = await build(root, coldOut, signing);
    expect(differences(readTree(out), readTree(coldOut))).toEqual([]);
    expect(changed.findings).toEqual(cold.findings);
  });

  it('--env and --shard builds keep the record up to date, so the next full build renders nothing again', async () => {
    const root = exampleTree();
    const out = join(root, 'output');
    expect((await build(root, out, ['--no-sign'])).exitCode).toBe(0);
    editFile(root, 'environments/staging.yaml', (text) => `${text}# touched\n`);
    expect((await build(root, out, ['--no-sign', '--env', 'staging'])).exitCode).toBe(0);
    const full = await expectSameAsCold(root, ['--no-sign']);
    expect(full.summary.reused).toBe(full.summary.built);

    editFile(root, 'environments/staging.yaml', (text) => `${text}# again\n`);
    for (const shard of ['1/2', '2/2']) expect((await build(root, out, ['--no-sign', '--shard', shard])).exitCode).toBe(0);
    const afterShards = await expectSameAsCold(root, ['--no-sign']);
    expect(afterShards.summary.reused).toBe(afterShards.summary.built);
  });
});
