import { describe, expect, it } from 'vitest';
import { parseJsonLines, runCli, type JsonFinding } from '../support/cli.js';
import { editedTree, fixtureText, sub, validateEdited } from './support.js';

const original = (path: string) => fixtureText(path);
const prod = original('environments/prod.yaml');
const onprem = original('environments/onprem.yaml');
const targetPolicy = original('policies/target-policy.yaml');
const attestationPolicy = original('policies/attestation-policy.yaml');



function validate(files: Record<string, string | null>, options: { args?: string[]; epoch?: string } = {}) {
  return validateEdited(files, { ...(options.args ? { args: options.args } : {}), env: options.epoch ? { SOURCE_DATE_EPOCH: options.epoch } : {} });
}

const blocked = (findings: JsonFinding[]) => findings.filter((f) => f.code === 'blocked');

/** Where each environment's notice is: the value of its `name`. */
const noticeAt = {
  prod: { file: 'environments/prod.yaml', line: 2, column: 7 },
  onprem: { file: 'environments/onprem.yaml', line: 1, column: 7 },
};

interface BlockCase {
  cause: string;
  env: keyof typeof noticeAt;
  files: Record<string, string | null>;
  reason: string;
}

describe('blocked targets', () => {
  it.each<BlockCase>([
    {
      cause: 'a revoked license',
      env: 'onprem',
      files: { 'environments/onprem.yaml': sub(onprem, 'license: LIC-0001', 'license: LIC-0042') },
      reason: 'license LIC-0042 is revoked (policies/target-policy.yaml revokedLicenses)',
    },
    {
      cause: 'a failed attestation',
      env: 'prod',
      files: { 'policies/attestation-policy.yaml': sub(attestationPolicy, 'prod: {status: passed', 'prod: {status: failed') },
      reason: 'attestation failed at 2026-11-10T00:00:00Z; a passed attestation is required',
    },
    {
      cause: 'a pending attestation',
      env: 'prod',
      files: { 'policies/attestation-policy.yaml': sub(attestationPolicy, 'prod: {status: passed', 'prod: {status: pending') },
      reason: 'attestation pending at 2026-11-10T00:00:00Z; a passed attestation is required',
    },
    {
      cause: 'a missing attestation',
      env: 'prod',
      files: { 'policies/attestation-policy.yaml': sub(attestationPolicy, /^ {2}prod: .*\n/m, '') },
      reason: 'no attestation result for prod, and production targets require one (policies/attestation-policy.yaml)',
    },
    {
      cause: 'a stale attestation (50 days old at SOURCE_DATE_EPOCH, 30 allowed)',
      env: 'prod',
      files: { 'policies/attestation-policy.yaml': sub(attestationPolicy, 'prod: {status: passed, at: "2026-11-10T00:00:00Z"}', 'prod: {status: passed, at: "2026-10-01T00:00:00Z"}') },
      reason: 'attestation from 2026-10-01T00:00:00Z is 50 days old, older than the 30 days allowed',
    },
    {
      cause: 'a runtime version older than the supported minimum',
      env: 'prod',
      files: { 'environments/prod.yaml': sub(prod, 'runtimeVersion: "1.30"', 'runtimeVersion: "1.28"') },
      reason: 'kubernetes 1.28 is older than the supported minimum 1.29',
    },
    {
      cause: 'a runtime version compared numerically, not as text ("1.9" < "1.29")',
      env: 'prod',
      files: { 'environments/prod.yaml': sub(prod, 'runtimeVersion: "1.30"', 'runtimeVersion: "1.9"') },
      reason: 'kubernetes 1.9 is older than the supported minimum 1.29',
    },
    {
      cause: 'a runtime the target policy does not support',
      env: 'prod',
      files: { 'policies/target-policy.yaml': sub(targetPolicy, 'kubernetes: {minVersion: "1.29"}, ', '') },
      reason: 'runtime kubernetes is not supported (policies/target-policy.yaml runtimes)',
    },
    {
      cause: 'missing backups where the provisioning policy requires them',
      env: 'onprem',
      files: { 'environments/onprem.yaml': sub(onprem, /backups:\n(  .*\n)+/, '') },
      reason: 'self-hosted production targets need a backup policy, and "backups" is not set',
    },
    {
      cause: 'a revoked release',
      env: 'prod',
      files: {
        'policies/target-policy.yaml': sub(targetPolicy, 'revokedReleases: ["0.9.0"]', 'revokedReleases: ["0.9.0", "1.0.1"]'),
        'releases/1.0.1.yaml': sub(original('releases/1.0.0.yaml'), 'version: "1.0.0"', 'version: "1.0.1"'),
        'environments/prod.yaml': sub(prod, 'release: "1.0.0"', 'release: "1.0.1"'),
      },
      reason: 'release 1.0.1 is revoked (policies/target-policy.yaml revokedReleases)',
    },
  ])('$cause: a notice naming the environment and the reason; exit 0, or 1 with --fail-on-blocked', async ({ env, files, reason }) => {
    const run = await validate(files);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.findings).toEqual([
      {
        severity: 'notice',
        code: 'blocked',
        ...noticeAt[env],
        message: `environment "${env}" is blocked: ${reason}. Nothing new is rendered or published for it until this is fixed`,
      },
    ]);
    const strict = await validate(files, { args: ['--fail-on-blocked'] });
    expect(strict.exitCode).toBe(1);
    expect(strict.findings).toEqual(run.findings);
  });

  it('names every reason when all five causes apply, in one notice', async () => {
    const run = await validate({
      'environments/onprem.yaml': sub(sub(sub(onprem, 'license: LIC-0001', 'license: LIC-0042'), /backups:\n(  .*\n)+/, ''), 'runtime: compose\n', 'runtime: compose\nruntimeVersion: "2.10"\n'),
      'policies/target-policy.yaml': sub(targetPolicy, 'revokedReleases: ["0.9.0"]', 'revokedReleases: ["1.0.0"]'),
      'policies/attestation-policy.yaml': sub(attestationPolicy, 'onprem: {status: passed, at: "2026-11-10T00:00:00Z"}', 'onprem: {status: failed, at: "2026-11-10T00:00:00Z"}'),
    });
    expect(run.exitCode).toBe(0);
    const onpremNotice = blocked(run.findings).filter((f) => f.file === 'environments/onprem.yaml');
    expect(onpremNotice).toHaveLength(1);
    expect(onpremNotice[0]!.message).toBe(
      'environment "onprem" is blocked: ' +
        'license LIC-0042 is revoked (policies/target-policy.yaml revokedLicenses); ' +
        'attestation failed at 2026-11-10T00:00:00Z; a passed attestation is required; ' +
        'compose 2.10 is older than the supported minimum 2.20; ' +
        'self-hosted production targets need a backup policy, and "backups" is not set; ' +
        'release 1.0.0 is revoked (policies/target-policy.yaml revokedReleases). ' +
        'Nothing new is rendered or published for it until this is fixed',
    );
    // prod deploys the revoked release too: blocked for that reason alone.
    expect(blocked(run.findings).filter((f) => f.file === 'environments/prod.yaml').map((f) => f.message)).toEqual([
      'environment "prod" is blocked: release 1.0.0 is revoked (policies/target-policy.yaml revokedReleases). Nothing new is rendered or published for it until this is fixed',
    ]);
  });

  it('judges attestation age at SOURCE_DATE_EPOCH, not at the wall clock', async () => {
    const files = { 'policies/attestation-policy.yaml': sub(attestationPolicy, 'prod: {status: passed, at: "2026-11-10T00:00:00Z"}', 'prod: {status: passed, at: "2026-10-01T00:00:00Z"}') };
    // 2026-10-15T00:00:00Z: 14 days after the attestation.
    const fresh = await validate(files, { epoch: '1792022400' });
    expect(fresh.findings).toEqual([]);
    expect(fresh.exitCode).toBe(0);
    // 2026-10-31T00:00:00Z: exactly 30 days is still allowed.
    const edge = await validate(files, { epoch: String(Date.parse('2026-10-31T00:00:00Z') / 1000) });
    expect(blocked(edge.findings)).toEqual([]);
    // 2026-11-20T00:00:00Z: 50 days.
    const stale = await validate(files, { epoch: '1795132800' });
    expect(blocked(stale.findings).map((f) => f.message)).toEqual([expect.stringContaining('is 50 days old')]);
  });

  it('does not block targets the attestation policy does not cover', async () => {
    // A staging target needs no attestation (requiredFor: production) and no backups (self-hosted is not its mode).
    const staging = sub(sub(sub(prod, 'name: prod', 'name: staging'), 'tier: production', 'tier: staging'), /backups:\n(  .*\n)+/, '');
    const run = await validate({ 'environments/staging.yaml': staging });
    expect(run.findings).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  it('reports a blocked target in the text summary line', async () => {
    const root = editedTree({ 'environments/onprem.yaml': sub(onprem, 'license: LIC-0001', 'license: LIC-0042') });
    const run = await runCli(['validate'], { cwd: root });
    expect(run.exitCode).toBe(0);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe('2 environments: 1 ready, 1 blocked; 0 errors, 0 warnings');
  });

  it('an invalid environment is reported by its errors, not as blocked', async () => {
    const run = await validate({ 'environments/onprem.yaml': sub(sub(onprem, 'license: LIC-0001', 'license: LIC-0042'), 'mode: self-hosted', 'mode: selfhosted') });
    expect(run.exitCode).toBe(1);
    expect(blocked(run.findings)).toEqual([]);
  });
});
