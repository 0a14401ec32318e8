import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
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
  stderr: string;
}

const takenNote = /^diff: (\d+) unchanged environment\(s\) taken from the deploy repository as the cache vouches for them$/m;

async function diff(root: string, deployed: string, args: string[], format = 'json'): Promise<Diff> {
  const run = await runCli(['diff', '--root', root, '--against', deployed, '--format', format, ...args], { cwd: root, env });
  return { exitCode: run.exitCode, report: run.stdout, taken: Number(takenNote.exec(run.stderr)?.[1] ?? 0), stderr: run.stderr };
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

describeWithTool('git', toolPresent('git'))('diff --cache against a git repository', () => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' }).toString('utf8');

  /** The deploy state as a repository: the signed build committed, and a bare clone of it (its objects loose). */
  function deployedRepository(): { root: string; work: string; bare: string; cache: string } {
    const { root, deployed: work, cache } = deployedExample();
    git(work, 'init', '-q', '-b', 'main');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'deploy');
    const bare = `${work}.git`;
    git(root, 'clone', '-q', '--bare', work, bare);
    return { root, work, bare, cache };
  }

  it('reads only the folders of the environments that changed, and reports as a full diff does', async () => {
    const { root, work, bare, cache } = deployedRepository();
    const ready = readyCount(work);
    expect((await expectSameAsWithout(root, bare, cache)).taken).toBe(0);
    expect((await expectSameAsWithout(root, bare, cache)).taken).toBe(ready);

    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^domain: .*$/m, 'domain: staging.example.net'));
    const plain = await diff(root, bare, []);
    expect(JSON.parse(plain.report).summary.changed).toBe(1);
    // An unchanged folder's own files (no other path holds the same bytes), gone from the
    // repository's objects: a diff that read them would fail.
    const listing = git(bare, 'ls-tree', '-r', '--format=%(objectname) %(path)', 'HEAD')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split(' ') as [string, string]);
    const elsewhere = new Set(listing.filter(([, path]) => !path.startsWith('environments/eu-prod/')).map(([id]) => id));
    const unread = listing.filter(([id, path]) => path.startsWith('environments/eu-prod/') && !/\/release\.json(\.sig)?$/.test(path) && !elsewhere.has(id)).map(([id]) => id);
    expect(unread.length).toBeGreaterThan(5);
    for (const id of new Set(unread)) rmSync(join(bare, 'objects', id.slice(0, 2), id.slice(2)));
    expect(() => git(bare, 'cat-file', '-p', unread[0]!)).toThrow();

    const cached = await diff(root, bare, ['--cache', cache]);
    expect(cached.stderr).not.toMatch(/error|fatal/i);
    expect(cached.taken).toBe(ready - 1);
    expect(cached.report).toBe(plain.report);
    expect(cached.exitCode).toBe(plain.exitCode);
  });

  it('renders an environment again when a commit changed its folder, read in place from a work tree at a branch', async () => {
    const { root, work, cache } = deployedRepository();
    const against = `${work}#main`;
    await expectSameAsWithout(root, against, cache);
    const values = join(work, 'environments', 'staging', 'helm');
    const file = join(values, readdirSync(values)[0]!);
    writeFileSync(file, `${readFileSync(file, 'utf8')}# edited by hand\n`);
    // Not committed yet: the branch still holds the folder the cache knows.
    expect((await expectSameAsWithout(root, against, cache)).taken).toBe(readyCount(work));
    git(work, 'commit', '-qam', 'hand edit');
    const tampered = await expectSameAsWithout(root, against, cache);
    expect(tampered.taken).toBe(readyCount(work) - 1);
    expect(JSON.parse(tampered.report).summary.changed).toBe(1);
  });
});
