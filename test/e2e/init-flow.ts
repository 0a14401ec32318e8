import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { parseDocument } from 'yaml';
import { readTree } from '../support/tree.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A new user's first ten minutes, through the installed package: an npm project that has Slipway
 * in node_modules (a link to the one the packed tarball was installed into), `slipway init` there,
 * then exactly the commands init printed as next, in order. Every one must pass; the modelines of
 * the files init wrote must reach a schema file of the installed package.
 */
export function adoptionFlow(options: { work: string; installedNodeModules: string; slipway: (cwd: string, args: string[]) => Run }): void {
  const repo = join(options.work, 'adopter');
  mkdirSync(repo);
  writeFileSync(join(repo, 'package.json'), `${JSON.stringify({ name: 'adopter', private: true, devDependencies: { slipway: '*' } }, null, 2)}\n`);
  symlinkSync(options.installedNodeModules, join(repo, 'node_modules'), 'dir');

  const init = options.slipway(repo, ['init', '--runtime', 'compose,kubernetes,ecs']);
  expect(init.status, init.stderr).toBe(0);
  const validate = options.slipway(repo, ['validate']);
  expect(validate.status, validate.stderr).toBe(0);
  expect(validate.stderr).toMatch(/3 environments: 3 ready, 0 blocked; 0 errors/);

  const next = init.stdout.split('\n').filter((line) => line.startsWith('  npx slipway '));
  expect(next, init.stdout).toHaveLength(3);
  for (const line of next) {
    const args = line.trim().replace(/^npx slipway /, '').split(' ');
    const result = options.slipway(repo, args);
    expect(result.status, `${line}\n${result.stderr}${result.stdout}`).toBe(0);
  }
  expect(existsSync(join(repo, 'output', 'environments', 'kubernetes-staging', 'release.json.sig'))).toBe(true);

  for (const path of ['slipway.yaml', 'environments/compose-staging.yaml', 'policies/target-policy.yaml', 'releases/0.1.0.yaml']) {
    const reference = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(join(repo, path), 'utf8'))?.[1];
    expect(reference, path).toBeDefined();
    const schema = resolve(dirname(join(repo, path)), reference!);
    expect(existsSync(schema), `${path} -> ${schema}`).toBe(true);
    expect((JSON.parse(readFileSync(schema, 'utf8')) as { $id: string }).$id).toMatch(/^https:\/\/slipway\.dev\/schemas\/v1\//);
  }
  const service = join(repo, 'services', 'app', 'service.json');
  const serviceSchema = resolve(dirname(service), (JSON.parse(readFileSync(service, 'utf8')) as { $schema: string }).$schema);
  expect(existsSync(serviceSchema), serviceSchema).toBe(true);

  const schema = options.slipway(repo, ['schema', 'environment']);
  expect(schema.status).toBe(0);
  expect(schema.stdout).toBe(readFileSync(join(repo, 'node_modules', 'slipway', 'schemas', 'environment.schema.json'), 'utf8'));
}

/**
 * The same user's next hour: a Compose-only tree from `init` whose `slipway.yaml` names a fresh
 * `git init --bare` deploy repository (HEAD `master`). publish with no `--to` lands on `master` and a
 * clone checks the files out; after one change, `build --previous`, `diff --against` and a second
 * publish keep the chain (sequence 2). `validate --format json | head -1` ends quietly.
 */
export function publishFlow(options: { work: string; installedNodeModules: string; bin: string; slipway: (cwd: string, args: string[]) => Run; git: (args: string[], cwd: string) => string }): void {
  const repo = join(options.work, 'adopter-compose');
  mkdirSync(repo);
  writeFileSync(join(repo, 'package.json'), `${JSON.stringify({ name: 'adopter-compose', private: true, devDependencies: { slipway: '*' } }, null, 2)}\n`);
  symlinkSync(options.installedNodeModules, join(repo, 'node_modules'), 'dir');
  const deploy = join(options.work, 'adopter-deploy.git');
  options.git(['-c', 'init.defaultBranch=master', 'init', '--quiet', '--bare', deploy], options.work);

  const step = (args: string[], expected = 0): Run => {
    const result = options.slipway(repo, args);
    expect(result.status, `slipway ${args.join(' ')}\n${result.stderr}${result.stdout}`).toBe(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    return result;
  };
  step(['init', '--runtime', 'compose']);
  const settingsPath = join(repo, 'slipway.yaml');
  const settings = parseDocument(readFileSync(settingsPath, 'utf8'));
  // A git URL, as the settings schema asks; a local bare repository is one through file://.
  settings.set('deployRepo', `file://${deploy}`);
  writeFileSync(settingsPath, settings.toString());
  step(['validate']);
  step(['secrets', 'sync']);
  const key = join('.slipway', 'keys', 'slipway-signing.key.pem');
  step(['build', '--signing-key', key]);
  step(['publish']);
  const sequenceOnMaster = () => {
    const clone = join(options.work, `adopter-clone-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    options.git(['clone', '--quiet', deploy, clone], options.work);
    expect(options.git(['rev-parse', '--abbrev-ref', 'HEAD'], clone).trim()).toBe('master');
    return (JSON.parse(readFileSync(join(clone, 'environments', 'compose-staging', 'release.json'), 'utf8')) as { sequence: number }).sequence;
  };
  expect(sequenceOnMaster()).toBe(1);

  const environmentPath = join(repo, 'environments', 'compose-staging.yaml');
  const environment = parseDocument(readFileSync(environmentPath, 'utf8'));
  environment.set('description', 'Staging, now with a description');
  writeFileSync(environmentPath, environment.toString());
  step(['build', '--signing-key', key, '--previous', deploy]);
  // Nothing changed since: the next build keeps every folder of output/, and writes what a build into an empty folder writes.
  const again = step(['build', '--signing-key', key, '--previous', deploy, '--format', 'json']);
  const summary = JSON.parse(again.stdout.trim().split('\n').at(-1)!) as { built: number; reused: number };
  expect(summary.built).toBeGreaterThan(0);
  expect(summary.reused).toBe(summary.built);
  step(['build', '--signing-key', key, '--previous', deploy, '--out', 'cold-output']);
  expect(readTree(join(repo, 'output'))).toEqual(readTree(join(repo, 'cold-output')));
  // An --env build into that output takes its environments from the build record: nothing to render again.
  const one = step(['build', '--signing-key', key, '--previous', deploy, '--env', 'compose-staging', '--format', 'json']);
  expect(JSON.parse(one.stdout.trim().split('\n').at(-1)!)).toMatchObject({ built: 1, reused: 1 });
  expect(readTree(join(repo, 'output'))).toEqual(readTree(join(repo, 'cold-output')));
  const diff = step(['diff', '--against', deploy]);
  expect(diff.stdout, diff.stdout).toMatch(/compose-staging/);
  // As a pull request's review runs them again: from their cache, the same findings and the same report.
  const cache = join('.slipway', 'cache');
  const validated = step(['validate', '--cache', cache]);
  const revalidated = step(['validate', '--cache', cache]);
  expect(revalidated.stderr).toMatch(/; 1 unchanged environment\(s\) taken from the cache\n$/);
  expect(revalidated.stderr.replace(/; 1 unchanged environment\(s\) taken from the cache\n$/, '\n')).toBe(validated.stderr);
  expect(step(['diff', '--against', deploy, '--cache', cache]).stdout).toBe(diff.stdout);
  expect(step(['diff', '--against', deploy, '--cache', cache]).stdout).toBe(diff.stdout);
  step(['publish']);
  expect(sequenceOnMaster()).toBe(2);
  // The next pull request's review, against the repository publish just committed to (read from its
  // objects): the unchanged environment is taken from it by the cache, neither rendered nor read.
  const settled = step(['diff', '--against', deploy]);
  step(['diff', '--against', deploy, '--cache', cache]);
  const fromCache = step(['diff', '--against', deploy, '--cache', cache]);
  expect(fromCache.stderr).toMatch(/^diff: 1 unchanged environment\(s\) taken from the deploy repository as the cache vouches for them$/m);
  expect(fromCache.stdout).toBe(settled.stdout);

  // Another repository than slipway.yaml's deployRepo is read where publish --to commits (its HEAD), not
  // at slipway.yaml's branch: the chain continues there too.
  const mirror = join(options.work, 'adopter-mirror.git');
  options.git(['-c', 'init.defaultBranch=master', 'init', '--quiet', '--bare', mirror], options.work);
  settings.set('branch', 'release');
  writeFileSync(settingsPath, settings.toString());
  step(['build', '--signing-key', key, '--out', 'mirror-output']);
  step(['publish', '--out', 'mirror-output', '--to', mirror]);
  environment.set('description', 'Staging, described again');
  writeFileSync(environmentPath, environment.toString());
  step(['build', '--signing-key', key, '--out', 'mirror-output', '--previous', mirror]);
  const mirrored = step(['publish', '--out', 'mirror-output', '--to', mirror]);
  expect(mirrored.stderr).toContain('(sequence 2)');

  const piped = spawnSync('sh', ['-c', `"$1" validate --format json | head -1; echo "status $?"`, 'sh', options.bin], { cwd: repo, encoding: 'utf8' });
  expect(piped.stderr).not.toMatch(/EPIPE|\n\s+at /);
  expect(piped.stdout).toMatch(/status 0\n$/);
}
