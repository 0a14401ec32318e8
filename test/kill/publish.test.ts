import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { bareRepository, bindRelease, build, cleanUp, copySource, head, signedSource, verifyRepository } from '../publish/helpers.js';
import { runCli } from '../support/cli.js';
import { KillTally, killSeed, runSlipway, runToEnd, seededRandom } from './support.js';

/**
 * `slipway publish` killed with SIGKILL at random moments: the deploy repository's branch is always
 * the old commit or the new one (the same commit every time: publish is deterministic), its objects
 * are sound (`git fsck`), a landed commit verifies, and the temporary folders a killed publish
 * leaves are removed by the next one.
 */

const describeGit = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));
const kills = 30;
const temporaries = mkdtempSync(join(tmpdir(), 'slipway-kill-publish-tmp-'));
afterAll(() => {
  cleanUp();
  rmSync(temporaries, { recursive: true, force: true });
});

const git = (bare: string, args: string[]) => execFileSync('git', ['--git-dir', bare, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describeGit('publish killed at random moments', () => {
  it(`${kills} kills: the branch is the old or the new commit, the repository is sound, temporaries do not pile up`, async () => {
    const root = signedSource();
    const bare = bareRepository({ CODEOWNERS: '* @platform\n' });
    expect((await runCli(['publish', '--out', await build(root, bare), '--to', bare, '--keys', 'keys'], { cwd: root })).exitCode).toBe(0);
    const before = head(bare);
    const branch = copySource(root);
    bindRelease(branch, 'prod', '1.0.1');
    const out = await build(branch, bare);
    const args = ['publish', '--out', out, '--to', bare, '--keys', join(branch, 'keys')];
    const env = { TMPDIR: temporaries };

    const reference = await runToEnd(args, { cwd: branch, env });
    const after = head(bare);
    expect(after).not.toBe(before);
    const reset = () => git(bare, ['update-ref', 'refs/heads/main', before]);
    reset();

    const random = seededRandom(killSeed + 7);
    const tally = new KillTally();
    let duration = reference.durationMs;
    for (let attempt = 0; attempt < kills; attempt++) {
      const delay = Math.round(random() * duration * 1.1);
      const run = await runSlipway(args, { cwd: branch, env, killAfterMs: delay });
      if (!run.killed) {
        expect(run.exitCode, run.stderr).toBe(0);
        duration = (duration + run.durationMs) / 2;
      }
      const now = head(bare);
      const context = `kill ${attempt} after ${delay} ms (seed ${killSeed}): head ${now}`;
      expect([before, after], context).toContain(now);
      expect(() => git(bare, ['fsck', '--no-progress', '--no-dangling']), context).not.toThrow();
      if (now === after) expect(await verifyRepository(bare, root), context).toEqual({ exitCode: 0, stderr: '' });
      tally.record(run, now === after ? 'new commit' : 'old commit');
      // A killed git may leave its ref lock; the next publish must not be stopped by a dead one.
      reset();
      if (attempt % 10 === 9) {
        await runToEnd(args, { cwd: branch, env });
        expect(head(bare), context).toBe(after);
        expect(readdirSync(temporaries).filter((name) => name.startsWith('slipway-')), `${context}: temporaries left`).toEqual([]);
        reset();
      }
    }
    console.log(tally.summary('publish'));
  }, 300_000);
});
