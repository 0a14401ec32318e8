import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptSops } from 'sops-age';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixturesDir, readTree, useTrees } from '../support/tree.js';

const identityFile = join(fixturesDir, 'identities', 'minimal.age.txt');
const identity = readFileSync(identityFile, 'utf8')
  .split('\n')
  .find((line) => line.startsWith('AGE-SECRET-KEY-1'))!;

const tree = useTrees();

/** The minimal tree without its secrets files, so each test starts before `secrets sync`. */
function freshTree(edits: Record<string, string | null> = {}): string {
  return tree({ 'secrets/prod.sops.yaml': null, 'secrets/onprem.sops.yaml': null, ...edits });
}

async function open(root: string, environment: string, secretKey = identity): Promise<Record<string, string>> {
  const text = readFileSync(join(root, 'secrets', `${environment}.sops.yaml`), 'utf8');
  return (await decryptSops(text, { secretKey, fileType: 'yaml' })) as Record<string, string>;
}

const addWorkerSecret = (root: string) => {
  const path = join(root, 'services', 'worker', 'service.json');
  const worker = JSON.parse(readFileSync(path, 'utf8'));
  worker.secrets.QUEUE_TOKEN = { generate: 'random', length: 48 };
  return JSON.stringify(worker, null, 2);
};

describe('slipway secrets', () => {
  let outsider: string;
  beforeAll(async () => {
    outsider = await generateX25519Identity();
  });

  it('build fails on a missing secrets file with the exact command that fixes it; sync (public keys only) fixes it', async () => {
    const root = freshTree();
    const before = await runCli(['build', '--no-sign'], { cwd: root });
    expect(before.exitCode).toBe(1);
    expect(before.stderr).toContain('error secrets-missing');
    expect(before.stderr).toContain('run `slipway secrets sync --env prod`');

    const sync = await runCli(['secrets', 'sync'], { cwd: root });
    expect(sync.exitCode, sync.stderr).toBe(0);
    expect(sync.stderr).toContain('prod: created (APP_KEY)');
    const values = await open(root, 'prod');
    expect(Object.keys(values)).toEqual(['APP_KEY']);
    expect(values.APP_KEY).toMatch(/^base64:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(values.APP_KEY!.slice('base64:'.length), 'base64')).toHaveLength(32);

    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(0);
    expect(readFileSync(join(root, 'output', 'environments', 'prod', 'secrets', 'secrets.sops.yaml'))).toEqual(readFileSync(join(root, 'secrets', 'prod.sops.yaml')));
  });

  it('with no recipients at all, validate warns and build fails naming where to add them', async () => {
    const root = freshTree({ 'policies/secrets-policy.yaml': 'generated: {minLength: 32}\n' });
    const validate = await runCli(['validate'], { cwd: root });
    expect(validate.exitCode).toBe(0);
    expect(validate.stderr).toContain('warning no-recipients');
    const build = await runCli(['build', '--no-sign'], { cwd: root });
    expect(build.exitCode).toBe(1);
    expect(build.stderr).toMatch(/error no-recipients: .*secrets\.recipients/);
  });

  it('validate only warns about secrets still to sync', async () => {
    const root = freshTree();
    const run = await runCli(['validate'], { cwd: root });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('warning secrets-missing');
  });

  it('only recipients can open a file, and a file is the same value for every service that declares the name', async () => {
    const root = freshTree();
    await runCli(['secrets', 'sync'], { cwd: root });
    await expect(open(root, 'prod', outsider)).rejects.toThrow();
    // api and worker both declare APP_KEY: one value, one entry.
    expect(Object.keys(await open(root, 'onprem'))).toEqual(['APP_KEY']);
  });

  it('adds a newly declared name only with an identity, keeping every existing value', async () => {
    const root = freshTree();
    await runCli(['secrets', 'sync'], { cwd: root });
    const before = await open(root, 'prod');
    writeFileSync(join(root, 'services', 'worker', 'service.json'), addWorkerSecret(root));

    const build = await runCli(['build', '--no-sign'], { cwd: root });
    expect(build.exitCode).toBe(1);
    expect(build.stderr).toMatch(/secrets\/prod\.sops\.yaml lacks QUEUE_TOKEN; run `slipway secrets sync --env prod`/);

    const withoutKey = await runCli(['secrets', 'sync'], { cwd: root });
    expect(withoutKey.exitCode).toBe(1);
    expect(withoutKey.stderr).toMatch(/SOPS_AGE_KEY/);

    const withKey = await runCli(['secrets', 'sync'], { cwd: root, env: { SOPS_AGE_KEY_FILE: identityFile } });
    expect(withKey.exitCode, withKey.stderr).toBe(0);
    const after = await open(root, 'prod');
    expect(after.APP_KEY).toBe(before.APP_KEY);
    expect(after.QUEUE_TOKEN).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(0);
  });

  it('rotate replaces values; the policy minimum length applies', async () => {
    const root = freshTree();
    writeFileSync(join(root, 'services', 'worker', 'service.json'), addWorkerSecret(root).replace('"length": 48', '"length": 8'));
    await runCli(['secrets', 'sync'], { cwd: root });
    const before = await open(root, 'prod');
    expect(before.QUEUE_TOKEN).toHaveLength(32);
    const rotate = await runCli(['secrets', 'rotate', 'prod', 'QUEUE_TOKEN'], { cwd: root, env: { SOPS_AGE_KEY: identity } });
    expect(rotate.exitCode, rotate.stderr).toBe(0);
    const after = await open(root, 'prod');
    expect(after.QUEUE_TOKEN).not.toBe(before.QUEUE_TOKEN);
    expect(after.APP_KEY).toBe(before.APP_KEY);
    expect((await runCli(['secrets', 'rotate', 'prod', 'NOPE'], { cwd: root, env: { SOPS_AGE_KEY: identity } })).exitCode).toBe(2);
  });

  it('a changed recipient list fails the build until sync re-encrypts for it', async () => {
    const root = freshTree();
    await runCli(['secrets', 'sync'], { cwd: root });
    const newcomer = await identityToRecipient(outsider);
    const policy = readFileSync(join(root, 'policies', 'secrets-policy.yaml'), 'utf8').replace('recipients: [', `recipients: [${newcomer}, `);
    writeFileSync(join(root, 'policies', 'secrets-policy.yaml'), policy);
    const build = await runCli(['build', '--no-sign'], { cwd: root });
    expect(build.exitCode).toBe(1);
    expect(build.stderr).toContain('error secrets-recipients');
    expect((await runCli(['secrets', 'sync'], { cwd: root, env: { SOPS_AGE_KEY: identity } })).exitCode).toBe(0);
    expect(Object.keys(await open(root, 'prod', outsider))).toEqual(['APP_KEY']);
    expect((await runCli(['build', '--no-sign'], { cwd: root })).exitCode).toBe(0);
  });

  it('no plaintext value reaches the output, the logs or an error', async () => {
    const root = freshTree({ 'services/worker/service.json': null });
    // Re-create worker with two more secrets so several values are scanned for.
    const worker = { name: 'worker', role: 'worker', image: 'ghcr.io/example/worker', secrets: { APP_KEY: { generate: 'laravel-app-key' }, DB_PASSWORD: { generate: 'password' }, QUEUE_TOKEN: { generate: 'random' } } };
    writeFileSync(join(root, 'services', 'worker', 'service.json'), JSON.stringify(worker));
    const logs: string[] = [];
    const record = (run: { exitCode: number; stdout: string; stderr: string }) => {
      expect(run.exitCode, run.stderr).toBe(0); // a step that failed early would leave nothing to scan
      logs.push(run.stdout, run.stderr);
    };
    record(await runCli(['secrets', 'sync'], { cwd: root }));
    record(await runCli(['build', '--no-sign'], { cwd: root }));
    record(await runCli(['validate', '--format', 'json'], { cwd: root }));
    record(await runCli(['secrets', 'rotate', 'prod'], { cwd: root, env: { SOPS_AGE_KEY: identity } }));
    record(await runCli(['build', '--no-sign'], { cwd: root }));
    const values = [...Object.values(await open(root, 'prod')), ...Object.values(await open(root, 'onprem'))];
    expect(values.length).toBe(6);
    const outputs = [...readTree(join(root, 'output')).values()].map((bytes) => bytes.toString('utf8'));
    for (const value of values) {
      for (const text of [...outputs, ...logs]) expect(text.includes(value)).toBe(false);
      // The base64 part of an APP_KEY alone is as secret as the whole.
      if (value.startsWith('base64:')) for (const text of outputs) expect(text.includes(value.slice(7))).toBe(false);
    }
    expect(statSync(join(root, 'output', 'environments', 'prod', 'secrets', 'secrets.sops.yaml')).isFile()).toBe(true);
  });
});
