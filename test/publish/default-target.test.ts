import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sameRepository } from '../../src/cli/deploy-settings.js';
import { runCli } from '../support/cli.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { bindRelease, build, cleanUp, signedSource, tempDir } from './helpers.js';

/**
 * `publish` without `--to`: slipway.yaml's deployRepo and branch, else the repository's default
 * branch — the branch clones check out and the next `build --previous`/`diff --against` read, so the
 * manifest chain continues instead of silently restarting at sequence 1.
 */

const describeGit = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));
afterEach(cleanUp);

/** A plain `git init --bare`: HEAD names `branch` and no branch exists yet. */
function plainBare(branch = 'master'): string {
  const bare = join(tempDir('slipway-deploy-'), 'deploy.git');
  execFileSync('git', ['init', '--quiet', '--bare', `--initial-branch=${branch}`, bare]);
  return bare;
}

/** The minimal fixture with only its Compose target, whose update agent may pull from any git URL. */
function composeSource(settings: string): string {
  const root = signedSource();
  rmSync(join(root, 'environments', 'prod.yaml'));
  rmSync(join(root, 'secrets', 'prod.sops.yaml'));
  writeFileSync(join(root, 'slipway.yaml'), settings);
  return root;
}

const git = (args: string[], cwd?: string) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8').trim();
const sequenceIn = (checkout: string) => (JSON.parse(readFileSync(join(checkout, 'environments', 'onprem', 'release.json'), 'utf8')) as { sequence: number }).sequence;

describeGit('publish defaults', () => {
  it("publishes to slipway.yaml's deployRepo on the branch its HEAD names (master), and the chain continues from there", async () => {
    const bare = plainBare('master');
    const root = composeSource(`deployRepo: file://${bare}\n`);

    const first = await runCli(['publish', '--out', await build(root)], { cwd: root });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain(' master');
    expect(git(['--git-dir', bare, 'for-each-ref', '--format=%(refname)'])).toBe('refs/heads/master');
    const clone = join(tempDir('slipway-clone-'), 'deploy');
    git(['clone', '--quiet', bare, clone]);
    expect(existsSync(join(clone, 'environments', 'onprem', 'release.json'))).toBe(true);
    expect(sequenceIn(clone)).toBe(1);

    bindRelease(root, 'onprem', '1.0.1');
    const diff = await runCli(['diff', '--against', `file://${bare}`, '--format', 'json'], { cwd: root });
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect((JSON.parse(diff.stdout) as { environments: Array<{ name: string; status: string }> }).environments).toEqual([expect.objectContaining({ name: 'onprem', status: 'changed' })]);

    const second = await runCli(['publish', '--out', await build(root, `file://${bare}`)], { cwd: root });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain('onprem: updated 1.0.1 (sequence 2)');
    git(['pull', '--quiet'], clone);
    expect(sequenceIn(clone)).toBe(2);
  });

  it("publishes to slipway.yaml's branch, and build --previous reads that branch, not HEAD", async () => {
    const bare = plainBare('master');
    const root = composeSource(`deployRepo: file://${bare}\nbranch: deploy\n`);
    // A branch not made yet is an empty state: the first build starts the chain.
    const first = await runCli(['publish', '--out', await build(root, `file://${bare}`)], { cwd: root });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(git(['--git-dir', bare, 'for-each-ref', '--format=%(refname)'])).toBe('refs/heads/deploy');

    bindRelease(root, 'onprem', '1.0.1');
    const second = await runCli(['publish', '--out', await build(root, bare)], { cwd: root });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain('(sequence 2)');
    // A plain folder has no branch: it is read as it is, whatever slipway.yaml says.
    const out = await build(root);
    bindRelease(root, 'onprem', '1.0.2');
    const chained = JSON.parse(readFileSync(join(await build(root, out), 'environments', 'onprem', 'release.json'), 'utf8')) as { sequence: number };
    expect(chained.sequence).toBe(2);
  });

  it('reads slipway.yaml from --root, and --to and --branch win over it', async () => {
    const named = plainBare('master');
    const given = plainBare('trunk');
    const root = composeSource(`deployRepo: file://${named}\nbranch: deploy\n`);
    const out = await build(root);
    const elsewhere = tempDir('slipway-cwd-');
    const run = await runCli(['publish', '--root', root, '--out', out, '--keys', join(root, 'keys'), '--to', given], { cwd: elsewhere });
    expect(run.exitCode, run.stderr).toBe(0);
    // Another repository than slipway.yaml's: its default branch, not slipway.yaml's branch.
    expect(git(['--git-dir', given, 'for-each-ref', '--format=%(refname)'])).toBe('refs/heads/trunk');
    expect(git(['--git-dir', named, 'for-each-ref', '--format=%(refname)'])).toBe('');
  });

  it("reads another repository than slipway.yaml's at the branch publish wrote there, so the chain continues", async () => {
    const named = plainBare('master');
    const other = plainBare('master');
    const root = composeSource(`deployRepo: file://${named}\nbranch: deploy\n`);
    const first = await runCli(['publish', '--out', await build(root), '--to', other], { cwd: root });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(git(['--git-dir', other, 'for-each-ref', '--format=%(refname)'])).toBe('refs/heads/master');

    // Not slipway.yaml's branch (`deploy`, which this repository does not have): its HEAD, where publish committed.
    bindRelease(root, 'onprem', '1.0.1');
    const second = await runCli(['publish', '--out', await build(root, other), '--to', other], { cwd: root });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain('onprem: updated 1.0.1 (sequence 2)');
  });

  it('knows one repository however it is written', () => {
    const cwd = '/work/source';
    const same = [
      ['github:Harbor-Labs/deploy', 'https://github.com/harbor-labs/deploy.git'],
      ['github:harbor-labs/deploy', 'https://x-access-token:secret@github.com/harbor-labs/deploy'],
      ['github:harbor-labs/deploy', 'git@github.com:harbor-labs/deploy.git'],
      ['github:harbor-labs/deploy', 'ssh://git@github.com/harbor-labs/deploy.git'],
      ['/srv/deploy.git', 'file:///srv/deploy.git'],
      ['../deploy.git', '/work/deploy.git'],
      ['https://git.example.com/team/deploy.git', 'https://user@git.example.com/team/deploy/'],
    ];
    for (const [a, b] of same) expect(sameRepository(a!, b!, cwd), `${a} = ${b}`).toBe(true);
    const different = [
      ['github:harbor-labs/deploy', 'github:harbor-labs/deploy-staging'],
      ['github:harbor-labs/deploy', 'https://gitlab.com/harbor-labs/deploy.git'],
      ['/srv/deploy.git', '/srv/deploy'],
      ['https://git.example.com/team/deploy.git', 'https://git.example.com/other/deploy.git'],
    ];
    for (const [a, b] of different) expect(sameRepository(a!, b!, cwd), `${a} ≠ ${b}`).toBe(false);
  });

  it('without --to and without deployRepo, says how to name one (exit 2)', async () => {
    const root = composeSource('reconciler: update-agent\n');
    const run = await runCli(['publish', '--out', await build(root)], { cwd: root });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('give --to');
    expect(run.stderr).toContain('deployRepo');
  });

  it('a file:// deployRepo a cluster cannot pull is the same located error in validate and build', async () => {
    const root = signedSource();
    writeFileSync(join(root, 'slipway.yaml'), 'deployRepo: file:///srv/deploy.git\n');
    for (const command of [['validate'], ['build', '--no-sign']]) {
      const run = await runCli([...command, '--format', 'json'], { cwd: root });
      expect(run.exitCode, run.stderr).toBe(1);
      expect(run.stdout).toContain('"severity":"error","code":"unreachable-deploy-repo","file":"slipway.yaml","line":1,"column":13');
    }
  });
});
