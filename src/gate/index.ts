import type { Diagnostic } from '../core/diagnostics.js';
import { type BlockReason, type Project, type ResolvedEnvironment, finding } from '../model/index.js';

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The deployment control plane's verdict on one target. A blocked target gets nothing new rendered
 * or published; every report lists all of its reasons, not just the first.
 */
export function blockReasons(project: Project, model: ResolvedEnvironment, now: Date): BlockReason[] {
  const { target, provisioning, attestation } = project.policies;
  const reasons: BlockReason[] = [];

  if (model.license !== undefined && (target.revokedLicenses ?? []).includes(model.license)) {
    reasons.push({ cause: 'license-revoked', message: `license ${model.license} is revoked (policies/target-policy.yaml revokedLicenses)` });
  }

  if (attestationRequired(attestation.requiredFor, model)) {
    const result = attestation.results?.[model.name];
    const maxAgeDays = attestation.maxAgeDays;
    if (!result) {
      reasons.push({ cause: 'attestation', message: `no attestation result for ${model.name}, and ${model.tier} targets require one (policies/attestation-policy.yaml)` });
    } else if (result.status !== 'passed') {
      reasons.push({ cause: 'attestation', message: `attestation ${result.status}${result.at ? ` at ${result.at}` : ''}; a passed attestation is required` });
    } else if (maxAgeDays !== undefined) {
      const at = result.at === undefined ? Number.NaN : Date.parse(result.at);
      const ageDays = (now.getTime() - at) / dayMs;
      if (Number.isNaN(at)) {
        reasons.push({ cause: 'attestation', message: 'attestation passed but has no time "at", so its age cannot be checked' });
      } else if (ageDays > maxAgeDays) {
        reasons.push({ cause: 'attestation', message: `attestation from ${result.at} is ${Math.floor(ageDays)} days old, older than the ${maxAgeDays} days allowed` });
      }
    }
  }

  const runtimes = target.runtimes;
  if (runtimes && !(model.runtime in runtimes)) {
    reasons.push({ cause: 'runtime-unsupported', message: `runtime ${model.runtime} is not supported (policies/target-policy.yaml runtimes)` });
  } else {
    // Only a declared version is judged: Slipway's own defaults are its business, not the target's.
    const minVersion = runtimes?.[model.runtime]?.minVersion;
    const declared = model.runtimeVersion.declared;
    if (minVersion !== undefined && declared !== undefined && compareVersions(declared, minVersion) < 0) {
      reasons.push({ cause: 'runtime-unsupported', message: `${model.runtime} ${declared} is older than the supported minimum ${minVersion}` });
    }
  }

  const backupRequired = provisioning.backupRequired;
  if (backupRequired && !model.infrastructure.backups && ((backupRequired.modes ?? []).includes(model.mode) || (backupRequired.tiers ?? []).includes(model.tier))) {
    reasons.push({ cause: 'backup-missing', message: `${model.mode} ${model.tier} targets need a backup policy, and "backups" is not set` });
  }

  const release = model.release.version;
  if ((target.revokedReleases ?? []).includes(release)) {
    reasons.push({ cause: 'release-revoked', message: `release ${release} is revoked (policies/target-policy.yaml revokedReleases)` });
  }
  return reasons;
}

/** The instants, in ms since the epoch, between which a verdict holds; null is unbounded. */
export interface VerdictWindow {
  from: number | null;
  until: number | null;
}

/**
 * The stretch of time around `now` in which `blockReasons` gives exactly the same answer, words
 * included: only an attestation's age depends on the clock, and its message counts whole days. A
 * build may reuse a verdict it recorded only while the clock is inside that stretch. The bounds
 * stay a millisecond inside the exact ones, so rounding can only shorten the stretch.
 */
export function verdictWindow(project: Project, model: ResolvedEnvironment, now: Date): VerdictWindow {
  const always: VerdictWindow = { from: null, until: null };
  const { attestation } = project.policies;
  if (!attestationRequired(attestation.requiredFor, model) || attestation.maxAgeDays === undefined) return always;
  const result = attestation.results?.[model.name];
  if (!result || result.status !== 'passed' || result.at === undefined) return always;
  const at = Date.parse(result.at);
  if (Number.isNaN(at)) return always;
  const limit = at + attestation.maxAgeDays * dayMs;
  const instant = now.getTime();
  if (instant < limit) return { from: null, until: limit };
  const days = Math.floor((instant - at) / dayMs);
  return { from: Math.max(limit + 1, at + days * dayMs + 1), until: at + (days + 1) * dayMs };
}

/** Whether `now` lies inside a recorded window. */
export function insideWindow(window: VerdictWindow, now: Date): boolean {
  const instant = now.getTime();
  return (window.from === null || instant >= window.from) && (window.until === null || instant < window.until);
}

function attestationRequired(requiredFor: { tiers?: string[]; modes?: string[] } | undefined, model: ResolvedEnvironment): boolean {
  if (!requiredFor) return false;
  return (requiredFor.tiers ?? []).includes(model.tier) || (requiredFor.modes ?? []).includes(model.mode);
}

/** Numeric comparison of dotted versions: "1.9" < "1.29". */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/** A blocked target as a notice at its environment file, naming every reason. */
export function blockedNotice(project: Project, model: ResolvedEnvironment, reasons: BlockReason[]): Diagnostic {
  const environment = project.environments.get(model.name)!;
  return finding(environment, ['name'], 'blocked', `environment "${model.name}" is blocked: ${reasons.map((r) => r.message).join('; ')}. Nothing new is rendered or published for it until this is fixed`, { severity: 'notice' });
}
