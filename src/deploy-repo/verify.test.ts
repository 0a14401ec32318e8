import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { generateSigningKey, keyId, parsePrivateKeyPem, parsePublicKeyPem, publicKeyOf } from '../core/signing/keys.js';
import { manifestFiles, type ReleaseManifest } from '../sign/manifest.js';
import { signRelease } from '../sign/release.js';
import { writeReleaseIndex } from '../../test/support/release-index.js';
import { loadTrustedKeys, verifyOutputTree, type VerifyResult } from './verify.js';

const base = mkdtempSync(join(tmpdir(), 'slipway-verify-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const keyA = generateSigningKey();
const keyB = generateSigningKey();
const seedA = parsePrivateKeyPem(keyA.privatePem);
const pubA = publicKeyOf(seedA);
const pubB = parsePublicKeyPem(keyB.publicPem);

const ENVS: Record<string, Record<string, string>> = {
  'eu-prod': {
    'README.md': '# eu-prod\n',
    'plan.json': '{"steps":[]}\n',
    'helm/api.values.yaml': 'replicaCount: 2\n',
    'k8s/kustomization.yaml': 'resources: []\n',
  },
  'acme-selfhosted': {
    'compose/docker-compose.yml': 'services: {}\n',
    'bundle/acme-selfhosted-2026.11.0.zip': 'PK\u0005\u0006' + '\u0000'.repeat(18),
  },
};

function writeTree(root: string): void {
  for (const [env, files] of Object.entries(ENVS)) {
    const encoded = Object.entries(files).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) }));
    const manifest: ReleaseManifest = {
      apiVersion: 'slipway.dev/v1', kind: 'ReleaseManifest', environment: env, release: '2026.11.0',
      mode: env === 'eu-prod' ? 'saas' : 'self-hosted', provider: 'aws', runtime: env === 'eu-prod' ? 'kubernetes' : 'compose',
      sequence: 1, previous: null, source: {}, files: manifestFiles(encoded),
    };
    const signed = signRelease(manifest, seedA);
    for (const { path, bytes } of encoded) {
      mkdirSync(dirname(join(root, 'environments', env, path)), { recursive: true });
      writeFileSync(join(root, 'environments', env, path), bytes);
    }
    writeFileSync(join(root, 'environments', env, 'release.json'), signed.manifest);
    writeFileSync(join(root, 'environments', env, 'release.json.sig'), signed.signature);
  }
  writeFileSync(join(root, 'index.json'), '{}');
  writeReleaseIndex(root, seedA);
}

let n = 0;
let root: string;
beforeEach(() => {
  root = join(base, `tree-${n++}`);
  writeTree(root);
});

const env = (name: string, path = '') => join(root, 'environments', name, path);
const files = (r: VerifyResult) => r.failures.map((f) => f.file);

function flipByte(path: string, at = 0): void {
  const bytes = readFileSync(path);
  bytes[at]! ^= 0x20;
  writeFileSync(path, bytes);
}

describe('verifyOutputTree', () => {
  it('passes an untouched tree', async () => {
    const r = await verifyOutputTree(root, [pubB, pubA]);
    expect(r.failures).toEqual([]);
    expect(r.environments).toEqual([
      { name: 'acme-selfhosted', release: '2026.11.0', keyId: keyId(pubA) },
      { name: 'eu-prod', release: '2026.11.0', keyId: keyA.keyId },
    ]);
  });

  it('reports a flipped byte in any listed file, naming it', async () => {
    for (const [name, listed] of Object.entries(ENVS)) {
      for (const path of Object.keys(listed)) {
        writeTree(root);
        flipByte(env(name, path));
        const r = await verifyOutputTree(root, [pubA]);
        expect(r.failures, path).toEqual([{ file: `environments/${name}/${path}`, reason: expect.stringMatching(/sha256 differs/) }]);
        expect(r.environments.map((e) => e.name)).toEqual(Object.keys(ENVS).filter((e) => e !== name).sort());
      }
    }
  });

  it('reports a flipped byte in release.json or its signature as a bad signature', async () => {
    flipByte(env('eu-prod', 'release.json'), 30);
    flipByte(env('acme-selfhosted', 'release.json.sig'), 5);
    const r = await verifyOutputTree(root, [pubA]);
    expect(files(r)).toContain('environments/eu-prod/release.json.sig');
    expect(files(r)).toContain('environments/acme-selfhosted/release.json.sig');
    expect(r.environments).toEqual([]);
  });

  it('reports an extra file, a missing file and a changed size', async () => {
    writeFileSync(env('eu-prod', 'k8s/extra.yaml'), 'kind: Secret\n');
    unlinkSync(env('eu-prod', 'plan.json'));
    writeFileSync(env('acme-selfhosted', 'compose/docker-compose.yml'), 'services: {}\n# more\n');
    const r = await verifyOutputTree(root, [pubA]);
    expect(r.failures).toEqual(
      expect.arrayContaining([
        { file: 'environments/eu-prod/k8s/extra.yaml', reason: expect.stringMatching(/not listed/) },
        { file: 'environments/eu-prod/plan.json', reason: expect.stringMatching(/missing/) },
        { file: 'environments/acme-selfhosted/compose/docker-compose.yml', reason: expect.stringMatching(/bytes/) },
      ]),
    );
    expect(r.failures).toHaveLength(3);
  });

  it('reports a swapped signature', async () => {
    cpSync(env('eu-prod', 'release.json.sig'), env('acme-selfhosted', 'release.json.sig'));
    const r = await verifyOutputTree(root, [pubA]);
    expect(r.failures).toEqual([{ file: 'environments/acme-selfhosted/release.json.sig', reason: expect.stringMatching(/does not verify/) }]);
  });

  it('reports signatures by an untrusted key', async () => {
    const r = await verifyOutputTree(root, [pubB]);
    expect(files(r)).toEqual(['release-index.json.sig', 'environments/acme-selfhosted/release.json.sig', 'environments/eu-prod/release.json.sig']);
    expect(r.environments).toEqual([]);
    const none = await verifyOutputTree(root, []);
    expect(none.failures.map((f) => f.reason)).toEqual([expect.stringMatching(/no trusted/), expect.stringMatching(/no trusted/), expect.stringMatching(/no trusted/)]);
  });

  it('reports a validly signed manifest in the folder of another environment', async () => {
    cpSync(env('eu-prod'), env('us-prod'), { recursive: true });
    const r = await verifyOutputTree(root, [pubA]);
    expect(r.failures).toEqual([
      { file: 'environments/us-prod', reason: expect.stringMatching(/not listed in release-index\.json/) },
      { file: 'environments/us-prod/release.json', reason: expect.stringMatching(/environment "eu-prod".*folder of "us-prod"/) },
    ]);
    expect(r.environments.map((e) => e.name)).toEqual(['acme-selfhosted', 'eu-prod']);
  });

  it('reports a folder with files but no manifest, or no signature; ignores an empty folder', async () => {
    mkdirSync(env('stray'), { recursive: true });
    writeFileSync(env('stray', 'README.md'), 'hi');
    mkdirSync(env('empty', 'sub'), { recursive: true });
    unlinkSync(env('eu-prod', 'release.json.sig'));
    const r = await verifyOutputTree(root, [pubA]);
    expect(r.failures).toEqual([
      { file: 'environments/eu-prod/release.json.sig', reason: expect.stringMatching(/missing/) },
      { file: 'environments/stray', reason: expect.stringMatching(/not listed in release-index\.json/) },
      { file: 'environments/stray/release.json', reason: expect.stringMatching(/missing/) },
    ]);
  });

  it('reports symbolic links, a file directly in environments/, a damaged manifest, and collects everything', async () => {
    unlinkSync(env('eu-prod', 'README.md'));
    symlinkSync('/etc/hostname', env('eu-prod', 'README.md'));
    writeFileSync(join(root, 'environments', 'notes.txt'), 'x');
    writeFileSync(env('acme-selfhosted', 'release.json'), '{"not":"a manifest"}');
    const r = await verifyOutputTree(root, [pubA]);
    expect(files(r)).toEqual([
      'environments/notes.txt',
      'environments/acme-selfhosted/release.json.sig',
      'environments/acme-selfhosted/release.json',
      'environments/acme-selfhosted/release.json',
      'environments/eu-prod/README.md',
    ]);
    expect(r.failures[4]!.reason).toMatch(/symbolic link/);
    expect(r.failures[2]!.reason).toMatch(/not a valid release manifest/);
    expect(r.failures[3]!.reason).toMatch(/not the manifest release-index\.json lists/);
  });

  it('fails on a tree without environments/, and on a missing folder', async () => {
    rmSync(join(root, 'environments'), { recursive: true });
    expect((await verifyOutputTree(root, [pubA])).failures).toEqual([{ file: 'environments', reason: expect.stringMatching(/missing/) }]);
    await expect(verifyOutputTree(join(root, 'nope'), [pubA])).rejects.toBeInstanceOf(UserError);
  });
});

describe('loadTrustedKeys', () => {
  it('reads every *.pub.pem, de-duplicated, ignoring other files', async () => {
    const dir = join(base, 'keys-ok');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.pub.pem'), keyA.publicPem);
    writeFileSync(join(dir, 'a-copy.pub.pem'), keyA.publicPem);
    writeFileSync(join(dir, 'b.pub.pem'), keyB.publicPem);
    writeFileSync(join(dir, 'README.md'), 'not a key');
    const keys = await loadTrustedKeys(dir);
    expect(keys.map(keyId).sort()).toEqual([keyA.keyId, keyB.keyId].sort());
  });

  it('refuses a missing folder, no keys, a bad key, and a private key', async () => {
    await expect(loadTrustedKeys(join(base, 'none'))).rejects.toThrow(/cannot read/);
    const empty = join(base, 'keys-empty');
    mkdirSync(empty);
    await expect(loadTrustedKeys(empty)).rejects.toThrow(/no trusted public keys/);
    const bad = join(base, 'keys-bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'x.pub.pem'), 'garbage');
    await expect(loadTrustedKeys(bad)).rejects.toThrow(/x\.pub\.pem is not a PEM public key/);
    writeFileSync(join(bad, 'x.pub.pem'), keyA.privatePem);
    const error = await loadTrustedKeys(bad).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/PRIVATE key/);
    expect((error as Error).message).not.toContain(keyA.privatePem.split('\n')[1]!.slice(0, 20));
  });
});
