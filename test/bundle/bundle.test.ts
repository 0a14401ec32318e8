import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleGenerator, bundlePath, bundleZip } from '../../generators/bundle/index.js';
import { composeFiles } from '../../generators/compose/index.js';
import { sha256Hex } from '../../src/core/digest.js';
import { exampleComposeModels } from '../compose/support.js';
import { cloneModel } from '../support/clone.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { repositoryRoot } from '../support/tree.js';

const models = exampleComposeModels();
const work = mkdtempSync(join(tmpdir(), 'slipway-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const zips = new Map<string, Uint8Array>();
/** Each example bundle, built once for this file (the determinism test builds its own). */
function zipOf(name: string): Uint8Array {
  let zip = zips.get(name);
  if (!zip) zips.set(name, (zip = bundleZip(models.get(name)!)));
  return zip;
}
const scripts = ['install.sh', 'update.sh', 'lib.sh'];
const commonEntries = ['bundle.json', 'docker-compose.yml', 'install.sh', 'keys/3d0e9ddcf186a0c9.pub.pem', 'lib.sh', 'nginx.conf', 'secrets.sops.env', 'update.sh'];
/** northwind-onprem takes a Compose override: the bundle carries it beside the generated file. */
const entriesOf = (name: string) => (name === 'northwind-onprem' ? [...commonEntries.slice(0, 1), 'docker-compose.override.yml', ...commonEntries.slice(1)] : commonEntries);

/** Writes an environment's bundle to disk and unpacks it with the real unzip, for the tool-based checks. */
function unpacked(name: string): { zip: string; dir: string } {
  const zip = join(work, `${name}.zip`);
  const dir = join(work, name);
  writeFileSync(zip, zipOf(name));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const run = runTool('unzip', ['-q', zip, '-d', dir]);
  expect(run.status, run.stderr).toBe(0);
  return { zip, dir };
}

describe('the self-hosted bundle', () => {
  it('is made for every Compose target the update agent keeps current, named <env>-<release>.zip', () => {
    expect([...models.values()].filter((m) => bundleGenerator.appliesTo(m)).map((m) => bundlePath(m))).toEqual([
      'bundle/globex-aws-2026.11.2.zip',
      'bundle/initech-do-2026.11.2.zip',
      'bundle/northwind-onprem-2026.11.2.zip',
      'bundle/pr-preview-2026.11.3-pr.1234.zip',
    ]);
  });

  for (const [name, model] of models) {
    it(`${name}: holds the Compose files byte for byte, the scripts, the trusted keys, and bundle.json with every other entry's sha256`, () => {
      const entries = unzipSync(zipOf(name));
      expect(Object.keys(entries)).toEqual(entriesOf(name));
      for (const [file, bytes] of composeFiles(model)) expect(Buffer.from(entries[file]!).equals(Buffer.from(bytes)), file).toBe(true);
      expect(new TextDecoder().decode(entries['keys/3d0e9ddcf186a0c9.pub.pem'])).toBe(model.trustedKeys[0]!.pem);
      const description = JSON.parse(new TextDecoder().decode(entries['bundle.json'])) as { files: Array<{ path: string; sha256: string; size: number; mode: string }>; environment: string; release: string; runtime: Record<string, unknown> };
      expect(description).toMatchObject({ environment: name, release: model.release.version });
      expect(description.files.map((f) => f.path)).toEqual(entriesOf(name).filter((e) => e !== 'bundle.json'));
      for (const file of description.files) {
        expect(file.sha256, file.path).toBe(sha256Hex(entries[file.path]!));
        expect(file.size).toBe(entries[file.path]!.length);
        expect(file.mode).toBe(file.path === 'install.sh' || file.path === 'update.sh' ? '0755' : '0644');
      }
      expect(description.runtime).toMatchObject({
        project: name,
        proxy: 'nginx',
        databases: [{ service: 'database', type: 'postgres' }],
        volumes: ['cache-data', 'database-data', 'uploads-data'],
        oneShots: [
          { service: 'api-migrate', kind: 'migration' },
          { service: 'api-seed', kind: 'seed' },
          { service: 'uploads-init', kind: 'store-init' },
        ],
      });
      expect(description.runtime.healthChecked).toEqual(expect.arrayContaining(['api', 'database', 'nginx', 'worker']));
    });
  }

  it('is byte-identical across builds, object copies and time zones', () => {
    const previous = process.env.TZ;
    try {
      const model = models.get('northwind-onprem')!;
      process.env.TZ = 'Pacific/Kiritimati';
      const first = bundleZip(model);
      process.env.TZ = 'America/St_Johns';
      const second = bundleZip(cloneModel(model));
      expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});

const describeUnzip = describeWithTool('unzip', toolPresent('unzip', ['-v']));
describeUnzip('unzip', () => {
  for (const name of models.keys()) {
    it(`tests ${name}'s bundle clean, with sorted entries, one fixed time and fixed permissions`, () => {
      const { zip, dir } = unpacked(name);
      const test = runTool('unzip', ['-t', zip]);
      expect(test.status, test.stdout).toBe(0);
      expect(test.stdout).toMatch(/No errors detected/);
      const listing = runTool('zipinfo', ['-T', zip]).stdout.split('\n').filter((line) => /^[-d]r/.test(line));
      expect(listing.map((line) => line.split(/\s+/).at(-1))).toEqual(entriesOf(name));
      for (const line of listing) {
        const [mode, , system, , , , time] = line.split(/\s+/);
        const script = /\b(install|update)\.sh$/.test(line);
        expect(mode, line).toBe(script ? '-rwxr-xr-x' : '-rw-r--r--');
        expect(system).toBe('unx');
        expect(time).toBe('19800101.000000');
      }
      // What install.sh checks, with the tool it uses: every listed file as unzip wrote it, by sha256sum.
      const description = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
      const sums = runTool('sha256sum', ['--check', '--strict', '-'], { cwd: dir, input: description.files.map((file) => `${file.sha256}  ${file.path}\n`).join('') });
      expect(sums.status, sums.stdout + sums.stderr).toBe(0);
      expect(sums.stdout.trim().split('\n')).toEqual(description.files.map((file) => `${file.path}: OK`));
    });
  }
});

const describeShellcheck = describeWithTool('shellcheck', toolPresent('shellcheck', ['--version']));
describeShellcheck('the bundle scripts', () => {
  it('pass shellcheck (following lib.sh) and bash -n, as shipped in the bundle', () => {
    const { dir } = unpacked('northwind-onprem');
    for (const script of scripts) {
      const lint = runTool('shellcheck', ['-x', '--severity=style', script], { cwd: dir });
      expect(lint.status, `${script}: ${lint.stdout}`).toBe(0);
      const syntax = runTool('bash', ['-n', script], { cwd: dir });
      expect(syntax.status, `${script}: ${syntax.stderr}`).toBe(0);
    }
  });

  it('are static files, the same in every bundle: values come from bundle.json, state files and the environment', () => {
    for (const script of scripts) {
      const text = readFileSync(join(repositoryRoot, 'generators', 'bundle', script));
      for (const name of models.keys()) expect(Buffer.from(unzipSync(zipOf(name))[script]!).equals(text), `${name}: ${script}`).toBe(true);
      expect(text.toString('utf8').startsWith(script === 'lib.sh' ? '# shellcheck shell=bash' : '#!/usr/bin/env bash\n')).toBe(true);
      if (script !== 'lib.sh') expect(text.toString('utf8')).toMatch(/^set -Eeuo pipefail$/m);
    }
  });
});
