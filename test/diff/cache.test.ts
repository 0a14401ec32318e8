import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { copyExampleSource, editFile, fixedEpoch, fixturesDir, removeTree, useScratchFolders } from '../support/tree.js';

/**
 * `diff --cache DIR` takes from the deploy state the folders of environments whose inputs did not
 * change, when that state holds exactly what rendering them gave before; whatever changed — in the
 * source or in the deploy state — the diff must be byte for byte the one made without a cache.
 */

const scratchFolder = useScratchFolders('slipway-render-cache-');
const signing = ['--signing-key', join(fixturesDir, 'keys', 'golden-signing.key.pem')];
const env = { SOURCE_DATE_EPOCH: fixedEpoch };

/** The bundled example and its signed build, made once: each test diffs its own copy of both. */
let built: { root: string; deployed: string; folders: string[] } | undefined;
beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-render-cache-source-'));
  copyExampleSource(root);
  const outside = mkdtempSync(join(tmpdir(), 'slipway-render-cache-deployed-'));
  const deployed = join(outside, 'deployed');
  const run = await runCli(['build', '--root', root, '--out', deployed, ...signing], { cwd: root, env });
  expect(run.exitCode, run.stderr).toBe(0);
  built = { root, deployed, folders: [root, outside] };
});
afterAll(() => {
  for (const folder of built?.folders ?? []) removeTree(folder);
});

/** A copy of the bundled example, and of its signed build as the deploy state to diff against. */
function deployedExample(): { root: string; deployed: string; cache: string } {
  const root = scratchFolder();
  cpSync(built!.root, root, { recursive: true });
  const deployed = join(scratchFolder(), 'deployed');
  cpSync(built!.deployed, deployed, { recursive: true });
  return { root, deployed, cache: join(root, '.cache') };
}

interface Diff {
  exitCode: number;
  /** What the diff printed, in the format asked for. */
  report: string;
  /** How many environments the run took from the deploy state. */
  taken: number;
}

const takenNote = /^diff: (\d+) unchanged environment\(s\) taken from the deploy repository as the cache vouches for them$/m;

async function diff(root: string, deployed: string, args: string[], format = 'json'): Promise<Diff> {
  const run = await runCli(['diff', '--root', root, '--against', deployed, '--format', format, ...args], { cwd: root, env });
  return { exitCode: run.exitCode, report: run.stdout, taken: Number(takenNote.exec(run.stderr)?.[1] ?? 0) };
}

/** Diffs with the cache, then without, and expects the same report and exit status. */
async function expectSameAsWithout(root: string, deployed: string, cache: string, format = 'json'): Promise<Diff> {
  const cached = await diff(root, deployed, ['--cache', cache], format);
  const plain = await diff(root, deployed, [], format);
  expect(plain.taken).toBe(0);
  expect(cached.report).toBe(plain.report);
  expect(cached.exitCode).toBe(plain.exitCode);
  return cached;
}

/** The environments of the deploy state with a folder of their own (the ready ones). */
const readyCount = (deployed: string) => readdirSync(join(deployed, 'environments')).length;

describe('diff --cache', () => {
  it('takes unchanged environments from the deploy state and renders only the changed one, with the same report', async () => {
    const { root, deployed, cache } = deployedExample();
    expect((await expectSameAsWithout(root, deployed, cache)).taken).toBe(0);
    const again = await expectSameAsWithout(root, deployed, cache);
    expect(again.taken).toBe(readyCount(deployed));
    expect(JSON.parse(again.report).summary.changed).toBe(0);

    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^domain: .*$/m, 'domain: staging.example.net'));
    const changed = await expectSameAsWithout(root, deployed, cache);
    expect(changed.taken).toBe(readyCount(deployed) - 1);
    expect(JSON.parse(changed.report).summary.changed).toBe(1);
    // The pull-request comment too.
    expect((await expectSameAsWithout(root, deployed, cache, 'markdown')).report).toContain('staging.example.net');
  });

  it('renders an environment again when the deploy state no longer holds the folder the cache knows', async () => {
    const { root, deployed, cache } = deployedExample();
    await expectSameAsWithout(root, deployed, cache);
    // A hand edit in the deploy repository: the diff must show the build putting the file back.
    const values = join(deployed, 'environments', 'staging', 'helm');
    const file = join(values, readdirSync(values)[0]!);
    writeFileSync(file, `${readFileSync(file, 'utf8')}# edited by hand\n`);
    const tampered = await expectSameAsWithout(root, deployed, cache);
    expect(tampered.taken).toBe(readyCount(deployed) - 1);
    expect(JSON.parse(tampered.report).summary.changed).toBe(1);
  });

  it('keeps a blocked target by its cached verdict while the deploy state holds nothing for it, and judges it again once it holds a folder', async () => {
    const { root, deployed, cache } = deployedExample();
    expect(existsSync(join(deployed, 'environments', 'acme-onprem'))).toBe(false);
    await expectSameAsWithout(root, deployed, cache);
    expect(JSON.parse(readFileSync(join(cache, 'renders.json'), 'utf8')).environments['acme-onprem']).toMatchObject({ status: 'blocked', listing: '' });
    await expectSameAsWithout(root, deployed, cache);

    // The deploy state gains the folder a build made while its licence was good: a blocked target keeps
    // it as it is, with the cache as without (a cached "nothing there" would drop it from the report).
    const unrevoked = scratchFolder();
    cpSync(root, unrevoked, { recursive: true });
    editFile(unrevoked, 'policies/target-policy.yaml', (text) => text.replace(/^revokedLicenses:\n(?: {2}- .*\n)+/m, 'revokedLicenses: []\n'));
    const earlier = join(scratchFolder(), 'out');
    expect((await runCli(['build', '--root', unrevoked, '--out', earlier, ...signing], { cwd: unrevoked, env })).exitCode).toBe(0);
    cpSync(join(earlier, 'environments', 'acme-onprem'), join(deployed, 'environments', 'acme-onprem'), { recursive: true });
    const kept = await expectSameAsWithout(root, deployed, cache);
    const acme = (JSON.parse(kept.report) as { environments: Array<{ name: string; status: string; files: unknown[] }> }).environments.find((environment) => environment.name === 'acme-onprem');
    expect(acme).toMatchObject({ status: 'blocked', files: [] });
  });

  it('renders everything again when a shared input changes, or when the cache is damaged', async () => {
    const { root, deployed, cache } = deployedExample();
    await expectSameAsWithout(root, deployed, cache);
    editFile(root, 'services/api/service.json', (text) => text.replace('"LOG_CHANNEL": "stderr"', '"LOG_CHANNEL": "stdout"'));
    const shared = await expectSameAsWithout(root, deployed, cache);
    expect(shared.taken).toBe(0);
    expect(JSON.parse(shared.report).summary.changed).toBeGreaterThan(1);

    writeFileSync(join(cache, 'renders.json'), '{"format": "slipway-render-cache/2", "environments": {');
    expect((await expectSameAsWithout(root, deployed, cache)).taken).toBe(0);
  });
});
