import { PublishError } from '../core/errors.js';
import type { BuiltOutput } from './output.js';
import { planPublish, type PublishPlan, type RepoState } from './plan.js';
import { defaultBackoff, type Backoff } from './retry.js';
import { heldRevocations, refuseRevokedSigners } from './revocations.js';

export { readOutput, type BuiltOutput } from './output.js';

/** A deploy repository Slipway can publish to: a git remote (git CLI) or GitHub (Git Data API). */
export interface DeployRepository {
  /** For messages; never holds credentials. */
  readonly name: string;
  defaultBranch(): Promise<string>;
  read(branch: string): Promise<RepoState>;
  /** Makes (but does not publish) one commit on top of `state` with `changes` applied. */
  commit(state: RepoState, changes: ReadonlyMap<string, Uint8Array | null>, message: string): Promise<string>;
  /** Moves `branch` from `expected` (null: creates it) to `commit`, never forced. False when it moved meanwhile. */
  advance(branch: string, expected: string | null, commit: string): Promise<boolean>;
  /** Puts `commit` on a new branch and, where the remote has the API for it, opens a pull request into `base`. */
  propose(base: string, commit: string, title: string, body: string): Promise<{ branch: string; url?: string }>;
  dispose(): Promise<void>;
}

export interface PublishOptions {
  output: BuiltOutput;
  /** The output folder, for messages. */
  outputDir?: string;
  repository: DeployRepository;
  /** The release key, to sign the root manifest again when folders are kept from the repository. */
  signingSeed?: Uint8Array;
  branch?: string;
  pullRequest?: boolean;
  /** Reads of a moved head before giving up. */
  maxAttempts?: number;
  backoff?: Backoff;
  log?: (line: string) => void;
  /** Runs between making the commit and moving the branch: tests make the head move here. */
  beforeAdvance?: (attempt: number) => Promise<void>;
}

export interface PublishResult {
  outcome: 'published' | 'unchanged' | 'proposed';
  branch: string;
  commit?: string;
  url?: string;
  proposedBranch?: string;
  plan: PublishPlan;
  attempts: number;
}

/**
 * One publish: read the branch, plan the compare-and-swap, make one commit, move the branch
 * without force. When the branch moved in between, everything is read and checked again, so an
 * environment another publish changed meanwhile is either left to it or reported as a conflict.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { output, repository } = options;
  const backoff = options.backoff ?? defaultBackoff;
  const maxAttempts = options.maxAttempts ?? 5;
  const log = options.log ?? (() => {});
  const branch = options.branch ?? (await repository.defaultBranch());
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const state = await repository.read(branch);
    // Sticky revocations: checked on every attempt, since a moved head may have revoked a key meanwhile.
    const revoked = await heldRevocations(state, `${repository.name} ${branch}`);
    refuseRevokedSigners(output, revoked, `${repository.name} ${branch}`, options.outputDir ?? 'the output');
    const plan = await planPublish(output, state, options.signingSeed, revoked);
    if (plan.conflicts.length > 0) throw new PublishError(conflictMessage(repository.name, branch, plan));
    if (plan.changes.size === 0) return { outcome: 'unchanged', branch, plan, attempts: attempt, ...(state.commit ? { commit: state.commit } : {}) };
    const { title, body } = commitMessage(plan);
    const commit = await repository.commit(state, plan.changes, `${title}\n\n${body}`);
    if (options.pullRequest) {
      const proposal = await repository.propose(branch, commit, title, body);
      return { outcome: 'proposed', branch, commit, proposedBranch: proposal.branch, plan, attempts: attempt, ...(proposal.url ? { url: proposal.url } : {}) };
    }
    await options.beforeAdvance?.(attempt);
    if (await repository.advance(branch, state.commit, commit)) return { outcome: 'published', branch, commit, plan, attempts: attempt };
    if (attempt < maxAttempts) {
      log(`${repository.name} ${branch} moved while publishing; reading it again (attempt ${attempt + 1} of ${maxAttempts})`);
      // Jitter keeps two publishers that collided from colliding again in lockstep.
      await backoff.sleep(Math.min(backoff.maxMs, 250 * 2 ** (attempt - 1)) + Math.floor(Math.random() * 250));
    }
  }
  throw new PublishError(`${repository.name} ${branch} kept moving: gave up after ${maxAttempts} attempts; nothing was published`);
}

function conflictMessage(name: string, branch: string, plan: PublishPlan): string {
  const lines = plan.conflicts.map((conflict) => `  environments/${conflict.environment}: ${conflict.reason}`);
  return [
    `stale build: ${name} ${branch} changed since this build was made; nothing was published`,
    ...lines,
    'Build again with --previous pointing at the deploy repository, then publish that build.',
  ].join('\n');
}

/** The commit's title and body: environments, releases, the source commit. Deterministic for a given plan. */
function commitMessage(plan: PublishPlan): { title: string; body: string } {
  const changed = plan.environments.filter((e) => e.action === 'added' || e.action === 'updated' || e.action === 'removed' || e.action === 're-signed');
  const label = (e: PublishPlan['environments'][number]) => (e.action === 'removed' ? `${e.name} (removed)` : e.action === 're-signed' ? `${e.name} (re-signed)` : `${e.name} ${e.release ?? ''}`.trim());
  let title: string;
  if (changed.length === 0) title = 'Publish project files (index, README, policies)';
  else if (changed.length <= 3) title = `Publish ${changed.map(label).join(', ')}`;
  else title = `Publish ${changed.length} environments: ${changed.slice(0, 3).map((e) => e.name).join(', ')}, …`;

  const body: string[] = [];
  if (changed.length) body.push('Environments:');
  for (const e of changed) {
    const digest = e.manifestSha256 ? `, manifest ${e.manifestSha256.slice(0, 12)}` : '';
    if (e.action === 'removed') body.push(`- ${e.name}: removed (no longer in the source)`);
    else if (e.action === 're-signed') body.push(`- ${e.name}: signed again by the current release key, release ${e.release ?? '?'} unchanged (sequence ${e.sequence ?? '?'}${digest})`);
    else body.push(`- ${e.name}: ${e.action}, release ${e.release ?? '?'} (sequence ${e.sequence ?? '?'}${digest})`);
  }
  const kept = plan.environments.filter((e) => e.action === 'kept-newer' || e.action === 'kept-blocked');
  if (kept.length) {
    body.push('', 'Kept as the deploy repository has them:');
    for (const e of kept) body.push(`- ${e.name}: ${e.action === 'kept-blocked' ? 'blocked by policy, nothing new is published' : 'a later publish changed it'}`);
  }
  const other = [...plan.changes.keys()].filter((path) => !path.startsWith('environments/'));
  if (other.length) body.push('', `Project files: ${other.join(', ')}`);
  body.push('', plan.sourceCommits.length ? `Source commit: ${plan.sourceCommits.join(', ')}` : 'Source commit: not recorded by the build');
  return { title, body: body.join('\n') };
}
