import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, UsageError, type ExitCodeValue } from '../../core/errors.js';
import { checkPerson, type CommitAuthoring } from '../../publish/commit-object.js';
import { checkCommitSigner } from '../../publish/commit-keys.js';
import { openGitRepository } from '../../publish/git.js';
import { publish, readOutput, type DeployRepository, type PublishResult } from '../../publish/index.js';
import { defaultBackoff, type Backoff } from '../../publish/retry.js';
import { buildTime } from '../clock.js';
import { commitSigner } from '../commit-signing-key.js';
import { deploySettings, sameRepository } from '../deploy-settings.js';
import type { CliIo } from '../io.js';
import { optionalSigningSeed } from '../signing-key.js';
import { revokedKeyIds, trustedKeys } from '../trusted-keys.js';

export interface PublishCommandOptions {
  out?: string;
  /** The source tree whose slipway.yaml names the default deploy repository and branch (default `.`). */
  root?: string;
  /** The deploy repository; default: slipway.yaml's `deployRepo`. */
  to?: string;
  branch?: string;
  pullRequest?: boolean;
  /** Trusted release keys the output must verify under (default `keys`). */
  keys?: string;
  /** Key ids whose signatures are refused, besides those the output and the deploy repository revoke. */
  revoked?: string[];
  /** The release key, to sign the root manifest again when folders are kept from the repository. */
  signingKey?: string;
  /** Armored OpenPGP secret key that signs the commit (else SLIPWAY_COMMIT_SIGNING_KEY_FILE / SLIPWAY_COMMIT_SIGNING_KEY). */
  commitSigningKey?: string;
}

/** What tests replace: the waits, and a hook between committing and moving the branch. */
export interface PublishDependencies {
  backoff?: Backoff;
  maxAttempts?: number;
  beforeAdvance?: (attempt: number) => Promise<void>;
}

const GITHUB = /^github:([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._/-]{1,200}(?<![/.])$/;

/**
 * `slipway publish`: the built output tree (`--out`, default `output`) as exactly one commit on
 * the deploy repository's branch, or none when it already holds it. Prints the commit id (or the
 * pull request's URL) on stdout and what happened to each environment on stderr.
 */
export async function runPublish(options: PublishCommandOptions, io: CliIo, dependencies: PublishDependencies = {}): Promise<ExitCodeValue> {
  if (options.branch !== undefined && !BRANCH.test(options.branch)) throw new UsageError(`--branch ${JSON.stringify(options.branch)} is not a branch name`);
  const out = resolve(io.cwd, options.out ?? 'output');
  // Wrong usage (no repository to publish to) is said before any file is read.
  const target = publishTarget(options, io);
  // Verified before anything is opened or read: output that does not verify never reaches a repository.
  const revoked = revokedKeyIds(options.revoked);
  const output = readOutput(out, await trustedKeys(options.keys, io, 'publish'), revoked);
  for (const path of output.extra ?? []) io.stderr(`${path}: hand-written (extra/), not published: publish leaves the deploy repository's extra/ folders as they are\n`);
  const seed = optionalSigningSeed(options, io);
  const backoff = dependencies.backoff ?? defaultBackoff;
  const log = (line: string) => io.stderr(`${line}\n`);
  const signer = await commitSigner(options, io);
  checkCommitSigner(output, signer);
  const authoring: CommitAuthoring = { ...identity(io.env), time: buildTime(io.env), ...(signer ? { signer } : {}) };
  const repository = await open(target.to, io, backoff, log, authoring);
  let result: PublishResult;
  try {
    result = await publish({
      output,
      outputDir: options.out ?? 'output',
      repository,
      pullRequest: options.pullRequest === true,
      ...(seed ? { signingSeed: seed } : {}),
      backoff,
      log,
      ...(target.branch ? { branch: target.branch } : {}),
      ...(dependencies.maxAttempts ? { maxAttempts: dependencies.maxAttempts } : {}),
      ...(dependencies.beforeAdvance ? { beforeAdvance: dependencies.beforeAdvance } : {}),
    });
  } finally {
    await repository.dispose();
  }

  for (const environment of result.plan.environments) {
    const release = environment.release ? ` ${environment.release}` : '';
    const sequence = environment.sequence !== undefined ? ` (sequence ${environment.sequence})` : '';
    const action = environment.action === 're-signed' ? 're-signed' : environment.action.replace('-', ' ');
    io.stderr(`  ${environment.name}: ${action}${release}${sequence}\n`);
  }
  const where = `${repository.name} ${result.branch}`;
  if (result.outcome === 'unchanged') {
    io.stderr(`nothing to publish: ${where} already holds this build\n`);
  } else if (result.outcome === 'proposed') {
    io.stderr(`proposed ${result.plan.changes.size} file change(s) on branch ${result.proposedBranch}${result.url ? `: ${result.url}` : ' (plain git remotes have no pull-request API: open one from that branch)'}\n`);
    io.stdout(`${result.url ?? result.proposedBranch}\n`);
  } else {
    io.stderr(`published ${result.plan.changes.size} file change(s) to ${where} as ${result.commit}${result.attempts > 1 ? ` after ${result.attempts} attempts` : ''}\n`);
    io.stdout(`${result.commit}\n`);
  }
  if (result.outcome !== 'unchanged') io.stderr(signer ? `signed with OpenPGP key ${signer.keyId} (${signer.userIds.join(', ')})\n` : 'the commit is not signed (no --commit-signing-key)\n');
  return ExitCode.ok;
}

/**
 * Where to publish: `--to`, else slipway.yaml's `deployRepo`; the branch is `--branch`, else
 * slipway.yaml's `branch` when publishing to its `deployRepo` (the branch its reconcilers follow),
 * else (undefined) the repository's default branch.
 */
function publishTarget(options: PublishCommandOptions, io: CliIo): { to: string; branch?: string } {
  const root = resolve(io.cwd, options.root ?? '.');
  const settings = deploySettings(root);
  const to = options.to ?? settings.deployRepo;
  if (to === undefined) {
    throw new UsageError(`no deploy repository: give --to PATH|GIT-URL|github:OWNER/REPO, or set deployRepo in ${options.root ?? '.'}/slipway.yaml (--root names the source tree)`);
  }
  const branch = options.branch ?? (settings.deployRepo !== undefined && sameRepository(to, settings.deployRepo, io.cwd) ? settings.branch : undefined);
  if (branch !== undefined && !BRANCH.test(branch)) throw new UsageError(`branch ${JSON.stringify(branch)} (slipway.yaml) is not a branch name`);
  return { to, ...(branch ? { branch } : {}) };
}

async function open(to: string, io: CliIo, backoff: Backoff, log: (line: string) => void, authoring: CommitAuthoring): Promise<DeployRepository> {
  if (to.startsWith('github:')) {
    const match = GITHUB.exec(to);
    if (!match) throw new UsageError(`--to ${JSON.stringify(to)}: expected github:OWNER/REPO`);
    const token = io.env.GITHUB_TOKEN;
    if (!token) throw new UsageError(`publishing to ${to} needs a token with contents (and, for --pull-request, pull-requests) write access in GITHUB_TOKEN`);
    const name = io.env.GIT_AUTHOR_NAME;
    const email = io.env.GIT_AUTHOR_EMAIL;
    // The GitHub client is loaded only to publish to GitHub.
    const { openGitHubRepository } = await import('../../publish/github.js');
    return openGitHubRepository({
      owner: match[1]!,
      repo: match[2]!,
      token,
      backoff,
      log,
      ...(io.env.GITHUB_API_URL ? { baseUrl: io.env.GITHUB_API_URL } : {}),
      ...(name && email ? { author: { name, email } } : {}),
      // Unsigned, GitHub names the token's user and the time; signed, it must write what was signed.
      ...(authoring.signer ? { signing: { ...authoring, signer: authoring.signer } } : {}),
    });
  }
  const local = resolve(io.cwd, to);
  return openGitRepository(existsSync(local) ? local : to, authoring);
}

/** The publish commit's author and committer: the usual git variables when set, otherwise Slipway itself. */
function identity(env: CliIo['env']): Pick<CommitAuthoring, 'author' | 'committer'> {
  const name = env.GIT_AUTHOR_NAME ?? 'Slipway';
  const email = env.GIT_AUTHOR_EMAIL ?? 'slipway@users.noreply.github.com';
  return {
    author: checkPerson({ name, email }, 'author'),
    committer: checkPerson({ name: env.GIT_COMMITTER_NAME ?? name, email: env.GIT_COMMITTER_EMAIL ?? email }, 'committer'),
  };
}
