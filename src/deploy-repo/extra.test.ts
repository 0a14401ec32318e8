import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReleaseIndex } from '../../test/support/release-index.js';
import { sha256Hex } from '../core/digest.js';
import { generateSigningKey, parsePrivateKeyPem, publicKeyOf } from '../core/signing/keys.js';
import { readOutput } from '../publish/output.js';
import { manifestFiles, type ReleaseManifest } from '../sign/manifest.js';
import { signRelease } from '../sign/release.js';
import { environmentFolders, extraEnvironment, isExtra, isManaged, verifyOutputTree } from './index.js';

/**
 * The extra/ folders of a deploy tree — `extra/` at the root and `environments/<env>/extra/` —
 * hold the owners' hand-written files: not Slipway's, so never part of an environment's folder as
 * manifests, compare-and-swap and diff see it; reported by verify, never a failure. Only what lies
 * strictly inside such a folder is: nothing else can hide behind the name.
 */

describe('the layout rule for extra/', () => {
  it('holds what lies strictly inside extra/ at the root or in an environment folder', () => {
    for (const path of ['extra/a.yaml', 'extra/deep/b.yaml', 'environments/prod/extra/kustomization.yaml', 'environments/prod/extra/sub/x']) {
      expect(isExtra(path), path).toBe(true);
      expect(isManaged(path), path).toBe(false);
    }
    expect(extraEnvironment('environments/prod/extra/a.yaml')).toBe('prod');
    expect(extraEnvironment('extra/a.yaml')).toBeUndefined();
  });

  it('cannot shadow a path Slipway writes', () => {
    // The folder's own name, other spellings and nested extras stay Slipway's: unknown there is tampering.
    for (const path of ['environments/prod/extra', 'environments/prod/Extra/a.yaml', 'environments/prod/EXTRA/a', 'environments/prod/k8s/extra/a.yaml', 'environments/extra/a.yaml', 'environments/prod/extra.yaml', 'charts/app/extra/a.yaml', 'api/extra/a.json']) {
      expect(isExtra(path), path).toBe(false);
      expect(isManaged(path), path).toBe(true);
    }
    expect(isExtra('extra')).toBe(false);
    expect(isExtra('extra/')).toBe(false);
    expect(isExtra('environments/prod/extra/')).toBe(false);
  });

  it('leaves extra/ out of the environment folders every comparison works on', () => {
    const folders = environmentFolders([
      ['environments/prod/release.json', 1],
      ['environments/prod/extra/a.yaml', 2],
      ['environments/gone/extra/b.yaml', 3],
      ['extra/c.yaml', 4],
    ]);
    expect([...folders.keys()]).toEqual(['prod']);
    expect([...folders.get('prod')!.keys()]).toEqual(['release.json']);
  });
});

const seed = parsePrivateKeyPem(generateSigningKey().privatePem);
const trusted = [publicKeyOf(seed)];
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A signed deploy tree with environment prod, then `files` written over it (paths from its root). */
function deployTree(files: Record<string, string> = {}, manifestExtra: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'slipway-extra-'));
  made.push(root);
  const own = { 'README.md': '# prod\n', 'k8s/kustomization.yaml': 'resources: []\n', ...manifestExtra };
  const encoded = Object.entries(own).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) }));
  const manifest: ReleaseManifest = {
    apiVersion: 'slipway.dev/v1', kind: 'ReleaseManifest', environment: 'prod', release: '1.0.0',
    mode: 'saas', provider: 'aws', runtime: 'kubernetes', sequence: 1, previous: null, source: {}, files: manifestFiles(encoded),
  };
  const signed = signRelease(manifest, seed);
  const write = (path: string, bytes: string | Uint8Array) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), bytes);
  };
  for (const { path, bytes } of encoded) write(`environments/prod/${path}`, bytes);
  write('environments/prod/release.json', signed.manifest);
  write('environments/prod/release.json.sig', signed.signature);
  write('index.json', JSON.stringify({ environments: [{ name: 'prod', status: 'ready', blockReasons: [], manifestSha256: sha256Hex(signed.manifest) }] }));
  writeReleaseIndex(root, seed);
  for (const [path, text] of Object.entries(files)) write(path, text);
  return root;
}

const problems = (result: { failures: Array<{ file: string; reason: string }> }) => result.failures.map((failure) => `${failure.file} ${failure.reason}`);

describe('verify and publish with extra/ folders', () => {
  it('verify passes and reports each hand-written file as unmanaged; an orphaned extra/ is a warning', async () => {
    const root = deployTree({
      'environments/prod/extra/configmap.yaml': 'kind: ConfigMap\n',
      'environments/gone/extra/old.yaml': 'kind: ConfigMap\n',
      'extra/cluster.yaml': 'kind: Namespace\n',
      CODEOWNERS: '* @platform\n',
    });
    const result = await verifyOutputTree(root, trusted);
    expect(problems(result)).toEqual([]);
    expect(result.environments.map((environment) => environment.name)).toEqual(['prod']);
    expect(result.unmanaged).toEqual(['CODEOWNERS', 'environments/gone/extra/old.yaml', 'environments/prod/extra/configmap.yaml', 'extra/cluster.yaml']);
    expect(result.findings.map(({ severity, code, file, line, column }) => ({ severity, code, file, line, column }))).toEqual([
      { severity: 'warning', code: 'orphaned-extra', file: 'environments/gone/extra/old.yaml', line: 1, column: 1 },
      { severity: 'notice', code: 'unmanaged-file', file: 'environments/prod/extra/configmap.yaml', line: 1, column: 1 },
      { severity: 'notice', code: 'unmanaged-file', file: 'extra/cluster.yaml', line: 1, column: 1 },
    ]);
  });

  it('any other unknown or changed file is still a failure', async () => {
    const root = deployTree({
      'environments/prod/k8s/kustomization.yaml': 'resources: [extra]\n',
      'environments/prod/extra': 'a file named extra\n',
      'environments/prod/Extra/a.yaml': 'kind: ConfigMap\n',
    });
    const result = await verifyOutputTree(root, trusted);
    expect(problems(result).sort()).toEqual([
      'environments/prod/Extra/a.yaml is not listed in release.json (a file was added)',
      'environments/prod/extra is not listed in release.json (a file was added)',
      'environments/prod/k8s/kustomization.yaml does not match release.json: 19 bytes, release.json lists 14',
    ]);
    expect(result.environments).toEqual([]);
  });

  it('a manifest that lists a file in extra/ is refused, whoever signed it', async () => {
    const root = deployTree({}, { 'extra/claimed.yaml': 'kind: ConfigMap\n' });
    const result = await verifyOutputTree(root, trusted);
    expect(problems(result)).toEqual(['environments/prod/extra/claimed.yaml is listed in release.json, but extra/ holds hand-written files Slipway never writes (a forged or damaged manifest)']);
  });

  it('a link in an extra/ folder is refused like a link anywhere in an environment folder', async () => {
    const root = deployTree();
    mkdirSync(join(root, 'environments/prod/extra'));
    symlinkSync('../k8s/kustomization.yaml', join(root, 'environments/prod/extra/linked.yaml'));
    mkdirSync(join(root, 'extra'));
    symlinkSync('/etc/hostname', join(root, 'extra/host'));
    const result = await verifyOutputTree(root, trusted);
    expect(problems(result)).toEqual([
      'environments/prod/extra/linked.yaml is a symbolic link; Slipway reads regular files only, never links or special files',
      'extra/host is a symbolic link; Slipway reads regular files only, never links or special files',
    ]);
    expect(result.unmanaged).toEqual([]);
    // The folder whose extra/ holds the link is not verified either: its reconciler would meet it.
    expect(result.environments).toEqual([]);
  });

  it('publish reads an output holding extra/ files without committing them', () => {
    const root = deployTree({ 'environments/prod/extra/configmap.yaml': 'kind: ConfigMap\n', 'extra/cluster.yaml': 'kind: Namespace\n' });
    const output = readOutput(root, trusted);
    expect(output.extra).toEqual(['environments/prod/extra/configmap.yaml', 'extra/cluster.yaml']);
    expect([...output.files.keys()].filter((path) => path.includes('extra'))).toEqual([]);
  });
});
