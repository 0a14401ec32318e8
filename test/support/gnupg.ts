import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithTool, runTool, toolPresent, type ToolRun } from './tools.js';

/**
 * GnuPG (Debian `gnupg`) as the judge of deploy-commit signatures, the way a person checks one:
 * the public key imported into a keyring of its own (a temporary GNUPGHOME, never the user's),
 * then `git verify-commit`, which hands the commit's `gpgsig` and the rest of the object to gpg.
 */
export const gpgPresent = toolPresent('gpg', ['--version']) && toolPresent('git');
export const describeWithGpg = describeWithTool('gpg (Debian gnupg) and git', gpgPresent);

export interface Keyring {
  home: string;
  /** `git verify-commit --raw` in `gitDir`: gpg's status lines are on stderr. */
  verifyCommit(gitDir: string, commit: string): ToolRun;
  /** `gpg --show-keys --with-colons` of an armored key: what GnuPG reads from it. */
  showKey(armored: string): { fingerprint: string; keyId: string; userIds: string[] };
  remove(): void;
}

export function keyringWith(publicKeys: readonly string[]): Keyring {
  const home = mkdtempSync(join(tmpdir(), 'slipway-gnupg-'));
  chmodSync(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home, LC_ALL: 'C' };
  publicKeys.forEach((armored, index) => {
    const file = join(home, `import-${index}.asc`);
    writeFileSync(file, armored);
    const run = runTool('gpg', ['--batch', '--quiet', '--import', file], { env });
    if (run.status !== 0) throw new Error(`gpg --import failed: ${run.stderr}`);
  });
  return {
    home,
    verifyCommit: (gitDir, commit) => runTool('git', ['--git-dir', gitDir, 'verify-commit', '--raw', commit], { env }),
    showKey(armored) {
      const run = runTool('gpg', ['--batch', '--with-colons', '--show-keys'], { env, input: armored });
      if (run.status !== 0) throw new Error(`gpg --show-keys failed: ${run.stderr}`);
      const records = run.stdout.split('\n').map((line) => line.split(':'));
      const fingerprint = records.find((r) => r[0] === 'fpr')![9]!;
      const keyId = records.find((r) => r[0] === 'pub')![4]!;
      return { fingerprint, keyId, userIds: records.filter((r) => r[0] === 'uid').map((r) => r[9]!.replace(/\\x3a/g, ':')) };
    },
    remove() {
      // Key generation starts a gpg-agent for this home; end it with the home.
      runTool('gpgconf', ['--kill', 'gpg-agent'], { env });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The fingerprint gpg says made a good signature (`[GNUPG:] VALIDSIG <fpr> …`), or undefined. */
export function validSignatureBy(run: ToolRun): string | undefined {
  if (run.status !== 0 || !/^\[GNUPG:\] GOODSIG /m.test(run.stderr)) return undefined;
  return /^\[GNUPG:\] VALIDSIG ([0-9A-F]{40}) /m.exec(run.stderr)?.[1];
}
