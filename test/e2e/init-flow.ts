import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'vitest';

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
