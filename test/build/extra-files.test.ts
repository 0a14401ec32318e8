import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixedEpoch, fixturesDir, readTree, useTrees } from '../support/tree.js';

/**
 * Hand-written files in the extra/ folders of an output (`extra/` at its root,
 * `environments/<env>/extra/`) survive every way a build writes: a whole new tree swapped in, an
 * incremental build that keeps folders, `--env` and `--shard` builds that replace some, and an
 * environment removed from the source. They never count as Slipway's files, and they do not stop
 * an incremental build from keeping what did not change.
 */

const newTree = useTrees();
const signing = ['--signing-key', join(fixturesDir, 'keys', 'golden-signing.key.pem')];
const keys = ['--keys', join(fixturesDir, 'keys')];

const handWritten: Record<string, string> = {
  'environments/prod/extra/kustomization.yaml': 'resources:\n  - configmap.yaml\n',
  'environments/prod/extra/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hand-written\ndata:\n  owner: platform\n',
  'environments/onprem/extra/notes/runbook.md': '# Restoring a backup by hand\n',
  'extra/cluster/issuer.yaml': 'apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\n',
};

async function build(root: string, args: string[] = []): Promise<{ exitCode: number; stderr: string; summary: { built: number; reused: number; files: number } }> {
  const run = await runCli(['build', '--root', root, '--format', 'json', ...signing, ...args], { cwd: root, env: { SOURCE_DATE_EPOCH: fixedEpoch } });
  // A build stopped by the writer ends with its message, without a summary line.
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  return { exitCode: run.exitCode, stderr: run.stderr, summary: last.startsWith('{') ? JSON.parse(last) : { built: 0, reused: 0, files: 0 } };
}

function addHandWritten(out: string): void {
  for (const [path, text] of Object.entries(handWritten)) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text);
  }
}

function expectHandWritten(out: string, paths = Object.keys(handWritten)): void {
  for (const path of paths) expect(readFileSync(join(out, path), 'utf8'), path).toBe(handWritten[path]);
}

/** The output without its extra/ folders: exactly what a build into an empty folder writes. */
const slipwaysFiles = (out: string) => new Map([...readTree(out)].filter(([path]) => !/^(environments\/[^/]+\/)?extra\//.test(path)));

describe('hand-written files in extra/ folders of --out', () => {
  it('are kept by an incremental build, which still keeps every unchanged folder, and by a build that renders a folder again', async () => {
    const root = newTree();
    const out = join(root, 'output');
    expect((await build(root)).exitCode).toBe(0);
    const first = slipwaysFiles(out);
    addHandWritten(out);

    const again = await build(root);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.summary.reused, 'extra/ folders do not stop reuse').toBe(again.summary.built);
    expect(again.summary.files, 'extra/ files are not Slipway\'s files').toBe(first.size);
    expectHandWritten(out);

    // prod renders again (its folder is replaced), onprem is kept: both keep their extra/.
    const environment = join(root, 'environments', 'prod.yaml');
    writeFileSync(environment, readFileSync(environment, 'utf8').replace('region: eu-west-1', 'region: eu-central-1'));
    const changed = await build(root);
    expect(changed.exitCode, changed.stderr).toBe(0);
    expect(changed.summary.reused).toBe(1);
    expectHandWritten(out);

    const cold = join(root, 'cold');
    expect((await build(root, ['--out', cold])).exitCode).toBe(0);
    expect(slipwaysFiles(out)).toEqual(readTree(cold));
  });

  it('are kept when a whole new tree is swapped in, by --env and --shard builds, and for an environment removed from the source', async () => {
    const root = newTree();
    const out = join(root, 'output');
    expect((await build(root)).exitCode).toBe(0);
    addHandWritten(out);
    // No record: the next build writes a whole new tree and swaps it in.
    rmSync(join(root, '.output.build-record.json'));
    const whole = await build(root);
    expect(whole.exitCode, whole.stderr).toBe(0);
    expect(whole.summary.reused).toBe(0);
    expectHandWritten(out);

    expect((await build(root, ['--env', 'prod'])).exitCode).toBe(0);
    expectHandWritten(out);
    for (const shard of ['1/2', '2/2']) expect((await build(root, ['--shard', shard])).exitCode).toBe(0);
    expectHandWritten(out);

    // onprem leaves the source: its own files go, its extra/ stays, and verify warns of it.
    rmSync(join(root, 'environments', 'onprem.yaml'));
    rmSync(join(root, 'secrets', 'onprem.sops.yaml'));
    expect((await build(root)).exitCode).toBe(0);
    expectHandWritten(out);
    expect([...readTree(join(out, 'environments', 'onprem')).keys()]).toEqual(['extra/notes/runbook.md']);
    const verified = await runCli(['verify', out, ...keys], { cwd: root, env: { NO_COLOR: '1' } });
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stderr).toContain('output/environments/onprem/extra/notes/runbook.md:1:1: warning orphaned-extra: hand-written file of environment onprem, which release-index.json no longer lists');
    expect(verified.stderr).toContain('output/environments/prod/extra/configmap.yaml:1:1: notice unmanaged-file: hand-written file of environment prod (extra/)');
    expect(verified.stderr).toContain('output/extra/cluster/issuer.yaml:1:1: notice unmanaged-file: hand-written file of the repository (extra/)');
    // A second build leaves the orphaned folder as it is.
    const again = await build(root);
    expect(again.exitCode).toBe(0);
    expect(again.summary.reused).toBe(again.summary.built);
    expectHandWritten(out);
  });

  it('a link in an extra/ folder stops the build before anything is written', async () => {
    const root = newTree();
    const out = join(root, 'output');
    expect((await build(root)).exitCode).toBe(0);
    rmSync(join(root, '.output.build-record.json'));
    const before = readTree(out);
    mkdirSync(join(out, 'environments', 'prod', 'extra'));
    symlinkSync('../k8s/kustomization.yaml', join(out, 'environments', 'prod', 'extra', 'linked.yaml'));
    const run = await build(root);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('environments/prod/extra/linked.yaml is a symbolic link; Slipway reads regular files only, never links or special files');
    expect(slipwaysFiles(out)).toEqual(before);
  });
});
