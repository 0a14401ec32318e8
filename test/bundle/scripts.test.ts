import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWithTool, runTool, toolPresent, type ToolRun } from '../support/tools.js';
import { repositoryRoot } from '../support/tree.js';

/**
 * install.sh and update.sh run for real (bash, jq, openssl, unzip, flock) against bundles and
 * signed manifests that `slipway build` made; only docker and sops are stand-ins (fake-bin/), so
 * the tests see every Compose call and whether maintenance mode was on when it was made.
 */
const tools = ['jq', 'unzip', 'openssl', 'flock'].every((tool) => toolPresent(tool, tool === 'openssl' ? ['version'] : ['--version']) || toolPresent(tool, ['-v']));
const describeScripts = describeWithTool('jq, unzip, openssl and flock', tools);

const fakeBin = join(dirname(fileURLToPath(import.meta.url)), 'fake-bin');
const work = mkdtempSync(join(tmpdir(), 'slipway-scripts-'));
const src = join(work, 'src');
const root = join(work, 'host', 'opt', 'northwind');
const log = join(work, 'docker.log');
const env = 'northwind-onprem';
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Release {
  dir: string;
  manifest: string;
  signature: string;
  zip: string;
}

const release = (out: string): Release => {
  const dir = join(work, out, 'environments', env);
  return { dir, manifest: join(dir, 'release.json'), signature: join(dir, 'release.json.sig'), zip: join(dir, 'bundle', `${env}-2026.11.2.zip`) };
};

async function build(out: string, previous?: string): Promise<Release> {
  const run = await runCli(['build', '--root', src, '--out', join(work, out), '--signing-key', join(work, 'release.key.pem'), '--env', env, ...(previous ? ['--previous', join(work, previous)] : [])], { cwd: src });
  expect(run.exitCode, run.stderr).toBe(0);
  return release(out);
}

function setWorkerLogLevel(level: string): void {
  const path = join(src, 'services', 'worker', 'service.json');
  const service = JSON.parse(readFileSync(path, 'utf8'));
  service.env.LOG_LEVEL = level;
  writeFileSync(path, JSON.stringify(service, null, 2));
}

function host(command: string, args: string[], extra: Record<string, string> = {}): ToolRun {
  return runTool(command, args, {
    env: {
      PATH: `${fakeBin}:${process.env.PATH}`,
      HOME: work,
      SLIPWAY_ROOT: root,
      SLIPWAY_HEALTH_TIMEOUT: '0',
      SOPS_AGE_KEY_FILE: join(work, 'age.key'),
      HARBOR_MAIL_PASSWORD: 'mail-from-host',
      FAKE_LOG: log,
      FAKE_STATE: work,
      ...extra,
    },
  });
}

const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
const installed = () => JSON.parse(readFileSync(join(root, 'state', 'installed.json'), 'utf8'));
const current = () => readlinkSync(join(root, 'current'));

describeScripts('install.sh and update.sh on a host', () => {
  let first: Release;
  let second: Release;
  let third: Release;

  beforeAll(async () => {
    mkdirSync(join(src, 'keys'), { recursive: true });
    for (const folder of ['environments', 'services', 'releases', 'policies', 'secrets', 'overlays']) cpSync(join(repositoryRoot, folder), join(src, folder), { recursive: true });
    cpSync(join(repositoryRoot, 'slipway.yaml'), join(src, 'slipway.yaml'));
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(work, 'release.key.pem')]);
    execFileSync('openssl', ['pkey', '-in', join(work, 'release.key.pem'), '-pubout', '-out', join(src, 'keys', 'release.pub.pem')]);
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(work, 'other.key.pem')]);
    writeFileSync(join(work, 'age.key'), 'identity used by the fake sops only\n');
    first = await build('out1');
    setWorkerLogLevel('warning');
    second = await build('out2', 'out1');
    setWorkerLogLevel('error');
    third = await build('out3', 'out2');
  });

  it('the signed manifest lists the bundle with its sha256, in a chain of sequences', () => {
    const manifests = [first, second, third].map((r) => JSON.parse(readFileSync(r.manifest, 'utf8')));
    expect(manifests.map((m) => m.sequence)).toEqual([1, 2, 3]);
    for (const [i, r] of [first, second, third].entries()) {
      const entry = manifests[i].files.find((f: { path: string }) => f.path === `bundle/${env}-2026.11.2.zip`);
      expect(entry.sha256).toBe(execFileSync('sha256sum', [r.zip], { encoding: 'utf8' }).split(' ')[0]);
    }
  });

  it('install.sh: checks the signature and files, writes per-service env files (0600), starts, migrates, health-checks, records', () => {
    const dir = join(work, 'unpacked1');
    expect(runTool('unzip', ['-q', first.zip, '-d', dir]).status).toBe(0);
    const run = host(join(dir, 'install.sh'), ['--manifest', first.manifest, '--signature', first.signature, '--zip', first.zip]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/release\.json is signed by the trusted key [0-9a-f]{16}\.pub\.pem/);
    expect(installed()).toMatchObject({ environment: env, release: '2026.11.2', sequence: 1, previous: null });
    expect(current()).toBe(`releases/${installed().bundle}`);
    const releaseDir = join(root, current());
    const apiEnv = readFileSync(join(releaseDir, 'env', 'api.env'), 'utf8');
    expect(apiEnv).toMatch(/^APP_KEY='plain-APP_KEY'$/m);
    expect(apiEnv).toMatch(/^MAIL_PASSWORD='mail-from-host'$/m);
    expect(apiEnv).toMatch(/^AWS_SECRET_ACCESS_KEY='[0-9a-f]{48}'$/m);
    // The URL forms, made by install.sh around the decrypted secret, which it percent-encodes.
    expect(apiEnv).toMatch(/^DATABASE_URL='postgresql:\/\/harbor:plain-DB_PASSWORD@database:5432\/harbor'$/m);
    expect(apiEnv).toMatch(/^REDIS_URL='redis:\/\/:p%40ss%3Aw%2Frd%2B%20%25~%5E@cache:6379'$/m);
    expect(apiEnv).toMatch(/^REDIS_PASSWORD='p@ss:w\/rd\+ %~\^'$/m);
    expect(readFileSync(join(releaseDir, 'env', 'database.env'), 'utf8')).toBe("POSTGRES_PASSWORD='plain-DB_PASSWORD'\n");
    expect(readFileSync(join(releaseDir, 'env', 'uploads.env'), 'utf8')).toContain(apiEnv.match(/^AWS_SECRET_ACCESS_KEY=.*$/m)![0].replace('AWS_SECRET_ACCESS_KEY', 'MINIO_ROOT_PASSWORD'));
    expect(statSync(join(releaseDir, 'env', 'api.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(releaseDir, 'secrets.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'state')).mode & 0o777).toBe(0o700);
    expect(statSync(join(releaseDir, 'update.sh')).mode & 0o777).toBe(0o755);
    expect(existsSync(join(root, 'shared', 'tls', 'fullchain.pem'))).toBe(true);
    expect(calls().filter((c) => / (pull|up) /.test(c))).toEqual([
      expect.stringMatching(/^off compose .* pull --quiet$/),
      'off pull --quiet busybox:1.37.0',
      expect.stringMatching(/^off compose .* up --detach --remove-orphans$/),
    ]);
    expect(host(join(dir, 'install.sh'), []).stderr).toMatch(/already installed/);
  });

  it('update.sh: verifies, then maintenance on → backup → apply → migrate → health → maintenance off, keeping the previous release', () => {
    const before = calls().length;
    const previous = installed().bundle;
    const run = host(join(root, 'current', 'update.sh'), [second.manifest, second.signature, second.zip]);
    expect(run.status, run.stderr).toBe(0);
    const during = calls().slice(before);
    const step = (pattern: RegExp) => during.findIndex((c) => pattern.test(c));
    const order = [/^off compose .* pull/, /^on compose .* exec -T database sh -c exec pg_dump/, /^on compose .* stop /, /^on run .*database-data:\/volume:ro/, /^on compose .* up --detach/, /^on inspect .*ExitCode/, /^on inspect .*Health/];
    const positions = order.map(step);
    expect(positions.every((p) => p >= 0), during.join('\n')).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(during.find((c) => / stop /.test(c))).not.toMatch(/ nginx( |$)/);
    expect(existsSync(join(root, 'shared', 'maintenance', 'on'))).toBe(false);
    expect(installed()).toMatchObject({ sequence: 2, previous });
    expect(readdirSync(join(root, 'releases')).sort()).toEqual([previous, installed().bundle].sort());
    const backups = readdirSync(join(root, 'backups'));
    expect(backups).toHaveLength(1);
    expect(readdirSync(join(root, 'backups', backups[0]!)).sort()).toEqual(['cache-data.tar.gz', 'database-data.tar.gz', 'database.pgdump', 'uploads-data.tar.gz']);
  });

  it('update.sh: a release that never becomes healthy is rolled back — volumes restored, previous release running, maintenance off', () => {
    const before = calls().length;
    const good = installed();
    const description = runTool('unzip', ['-p', third.zip, 'bundle.json']).stdout;
    const failing = JSON.parse(description);
    const failingId = `2026.11.2-${execFileSync('sha256sum', { input: description, encoding: 'utf8' }).slice(0, 12)}`;
    expect(failing.release).toBe('2026.11.2');
    const run = host(join(root, 'current', 'update.sh'), [third.manifest, third.signature, third.zip], { FAKE_UNHEALTHY: failingId });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/failed during health; bringing back/);
    expect(run.stderr).toMatch(/rolled back to /);
    const during = calls().slice(before);
    const down = during.findIndex((c) => c.includes(`--project-directory ${join(root, 'releases', failingId)}`) && / down /.test(c));
    const restore = during.findIndex((c) => /^on run .* restore database-data$/.test(c));
    const upAgain = during.map((c, i) => (c.includes(`--project-directory ${join(root, 'releases', good.bundle)}`) && / up /.test(c) ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
    expect(down).toBeGreaterThan(0);
    expect(restore).toBeGreaterThan(down);
    expect(upAgain).toBeGreaterThan(restore);
    expect(current()).toBe(`releases/${good.bundle}`);
    expect(installed()).toEqual(good);
    expect(existsSync(join(root, 'shared', 'maintenance', 'on'))).toBe(false);
  });

  it('update.sh refuses, before touching anything: a replayed release, a tampered zip, an untrusted signature, a foreign update.sh', () => {
    const before = calls().length;
    const replay = host(join(root, 'current', 'update.sh'), [second.manifest, second.signature, second.zip]);
    expect(replay.status).not.toBe(0);
    expect(replay.stderr).toMatch(/not newer than the installed 2/);

    const tampered = join(work, 'tampered.zip');
    const bytes = readFileSync(third.zip);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 30) ^ 0xff, bytes.length - 30);
    writeFileSync(tampered, bytes);
    const changed = host(join(root, 'current', 'update.sh'), [third.manifest, third.signature, tampered]);
    expect(changed.stderr).toMatch(/is not the bundle release\.json lists/);

    const forged = join(work, 'forged.sig');
    const raw = join(work, 'forged.bin');
    execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', join(work, 'other.key.pem'), '-rawin', '-in', third.manifest, '-out', raw]);
    writeFileSync(forged, `${readFileSync(raw).toString('base64')}\n`);
    const untrusted = host(join(root, 'current', 'update.sh'), [third.manifest, forged, third.zip]);
    expect(untrusted.stderr).toMatch(/not signed by any key this installation trusts/);

    const unpacked = join(work, 'unpacked3');
    runTool('unzip', ['-q', third.zip, '-d', unpacked]);
    const foreign = host(join(unpacked, 'update.sh'), [third.manifest, third.signature, third.zip]);
    expect(foreign.stderr).toMatch(/run the update\.sh of the installed release/);

    for (const run of [changed, untrusted, foreign]) expect(run.status).not.toBe(0);
    expect(calls().slice(before).filter((c) => !/ compose version$/.test(c))).toEqual([]);
    expect(existsSync(join(root, 'shared', 'maintenance', 'on'))).toBe(false);
  });
});
