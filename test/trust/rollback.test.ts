import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { bareRepository, bindRelease, build, cleanUp, copySource, head, signedSource, tempDir } from '../publish/helpers.js';

/**
 * `verify --against`: a client that trusted one state of the deploy repository accepts a later
 * state only when every manifest it saw is still there or reached by the `previous` chain of its
 * successor, and refuses an older state replayed over it or a forked history.
 */

const describeTools = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));

let root: string;
let bare: string;
/** Commit ids of the deploy repository: prod at sequence 1, 2 and 3. */
const commits: string[] = [];

const clone = (ref?: string): string => {
  const dir = join(tempDir('slipway-clone-'), 'deploy');
  execFileSync('git', ['clone', '--quiet', bare, dir], { stdio: 'pipe' });
  if (ref) execFileSync('git', ['-C', dir, 'checkout', '--quiet', '--detach', ref], { stdio: 'pipe' });
  return dir;
};
const verify = (dir: string, against: string) => runCli(['verify', dir, '--against', against], { cwd: root });

beforeAll(async () => {
  root = signedSource();
  bare = bareRepository({ CODEOWNERS: '* @platform\n' });
  for (const version of [undefined, '1.0.1', '1.0.2']) {
    if (version) bindRelease(root, 'prod', version);
    const run = await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root });
    if (run.exitCode !== 0) throw new Error(run.stderr);
    commits.push(head(bare));
  }
}, 120_000);
afterAll(cleanUp);

describeTools('verify --against (rollback and freeze)', () => {
  it('accepts the same state, and a later one whose chain reaches the trusted manifests through the clone\u2019s history', async () => {
    const latest = clone();
    expect((await verify(latest, latest)).exitCode).toBe(0);
    const run = await verify(latest, `${bare}#${commits[0]}`);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ok prod 1\.0\.2 /m);
  });

  it('accepts a direct successor without history', async () => {
    const copy = join(tempDir('slipway-copy-'), 'tree');
    cpSync(clone(commits[2]), copy, { recursive: true });
    rmSync(join(copy, '.git'), { recursive: true });
    expect((await verify(copy, `${bare}#${commits[1]}`)).exitCode).toBe(0);
    // Two steps ahead, a copy without history cannot show that its chain reaches the trusted manifest.
    const far = await verify(copy, `${bare}#${commits[0]}`);
    expect(far.exitCode).toBe(3);
    expect(far.stderr).toMatch(/^environments\/prod\/release\.json has sequence 3, but its previous chain does not lead back to the trusted manifest: .* holds sequence 1 .*clone of the deploy repository with its history/m);
  });

  it('refuses an older, validly signed state replayed over the one the client trusts', async () => {
    const older = clone(commits[0]);
    // On its own the older state is a valid release.
    expect((await runCli(['verify', older], { cwd: root })).exitCode).toBe(0);
    for (const trusted of [bare, clone()]) {
      const run = await verify(older, trusted);
      expect(run.exitCode).toBe(3);
      expect(run.stderr).toMatch(/^environments\/prod\/release\.json has sequence 1, lower than the trusted state's: .* holds sequence 3 \([0-9a-f]{12}…\); an older release was replayed$/m);
      expect(run.stderr).toMatch(/^release-index\.json has sequence 1, lower than the trusted state's/m);
      expect(run.stdout).not.toMatch(/^ok prod /m);
    }
  });

  it('refuses a forked history: another manifest at the same sequence, or a later one chained elsewhere', async () => {
    // A branch of the source built on the first state: its prod is a sequence 2 the repository never held.
    const branch = copySource(root);
    bindRelease(branch, 'prod', '9.9.9');
    const forked = await build(branch, `${bare}#${commits[0]}`);
    const same = await verify(forked, `${bare}#${commits[1]}`);
    expect(same.exitCode).toBe(3);
    expect(same.stderr).toMatch(/^environments\/prod\/release\.json has sequence 2 but other content than the trusted state's: .*the history was forked$/m);
    bindRelease(branch, 'prod', '9.9.10');
    const further = await build(branch, forked);
    const run = await verify(further, `${bare}#${commits[1]}`);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toMatch(/^environments\/prod\/release\.json has sequence 3, but its previous chain does not lead back/m);
  });
});
