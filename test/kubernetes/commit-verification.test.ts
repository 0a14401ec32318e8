import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateCommitKey, type CommitKeyPair } from '../../src/core/signing/openpgp.js';
import type { ProvisioningPlan } from '../../generators/runbook/index.js';
import { runCli } from '../support/cli.js';
import { keyringWith } from '../support/gnupg.js';
import { ensureKubectl } from '../support/helm.js';
import { checkObject, parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { fixturesDir, useTrees } from '../support/tree.js';

/**
 * The reconcilers verify deploy commits themselves once the source's keys/ holds OpenPGP public
 * keys: Flux's GitRepository (verify mode HEAD, a Secret of the keys that kustomize generates) and
 * Argo CD's AppProject (signatureKeys). Every object through kustomize and the strict CRD schemas;
 * the key ids and the Secret's keys as GnuPG reads them.
 */
const kubectl = ensureKubectl();
const describeTools = describeWithTool('kubectl and gpg (Debian gnupg)', kubectl !== undefined && toolPresent('gpg', ['--version']));
const tree = useTrees();

const work = mkdtempSync(join(tmpdir(), 'slipway-commit-verification-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let deploy: CommitKeyPair;
let second: CommitKeyPair;
beforeAll(async () => {
  const created = new Date(Date.UTC(2026, 10, 1));
  deploy = await generateCommitKey({ name: 'Deploy', email: 'deploy@example.com' }, created);
  second = await generateCommitKey({ name: 'Rotation', email: 'rotation@example.com' }, created);
});

const prod = (reconciler: 'flux' | 'argocd') =>
  readFileSync(join(fixturesDir, 'minimal', 'environments', 'prod.yaml'), 'utf8').replace('runtime: kubernetes\n', `runtime: kubernetes\nreconciler: ${reconciler}\n`);

async function buildTree(edits: Record<string, string>): Promise<{ k8s: string; folder: string; stderr: string; exitCode: number }> {
  const root = tree(edits);
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  const run = await runCli(['build', '--no-sign', '--env', 'prod', '--out', out], { cwd: root });
  const folder = join(out, 'environments', 'prod');
  return { k8s: join(folder, 'k8s'), folder, stderr: run.stderr, exitCode: run.exitCode };
}

function kustomize(dir: string): K8sObject[] {
  const run = runTool(kubectl!, ['kustomize', dir]);
  expect(run.status, run.stderr).toBe(0);
  return parseObjects(run.stdout);
}

const plan = (folder: string) => JSON.parse(readFileSync(join(folder, 'plan.json'), 'utf8')) as ProvisioningPlan;
const commands = (folder: string) => plan(folder).steps.flatMap((step) => step.actions.flatMap((action) => (action.command ? [action.command.join(' ')] : [])));
const withRepository = { 'slipway.yaml': 'deployRepo: github:acme/deploy\n' };

describeTools('deploy-commit verification in the Kubernetes output', () => {
  it('Flux: the GitRepository verifies HEAD against a Secret of flux-system holding every keys/*.pub.asc under an .asc name', async () => {
    const built = await buildTree({ ...withRepository, 'environments/prod.yaml': prod('flux'), 'keys/deploy.pub.asc': deploy.publicKeyArmored, 'keys/rotation.pub.asc': second.publicKeyArmored });
    expect(built.exitCode, built.stderr).toBe(0);
    const objects = kustomize(built.k8s);
    for (const object of objects) expect(await checkObject(object)).toEqual([]);
    const source = objects.find((object) => object.kind === 'GitRepository') as K8sObject & { spec: { verify: unknown } };
    expect(source.metadata?.name).toBe('prod');
    expect(source.spec.verify).toEqual({ mode: 'HEAD', secretRef: { name: 'prod-commit-keys' } });
    const secret = objects.find((object) => object.kind === 'Secret' && object.metadata?.name === 'prod-commit-keys') as K8sObject & { metadata: { namespace: string }; data: Record<string, string> };
    // The Secret lives beside the GitRepository that reads it.
    expect(secret.metadata.namespace).toBe('flux-system');
    expect(Object.keys(secret.data).sort()).toEqual(['deploy.pub.asc', 'rotation.pub.asc']);
    const keyring = keyringWith([]);
    try {
      const fromSecret = Object.values(secret.data).map((value) => keyring.showKey(Buffer.from(value.replace(/\s+/g, ''), 'base64').toString('utf8')).fingerprint);
      expect(fromSecret.sort()).toEqual([deploy.fingerprint, second.fingerprint].sort());
    } finally {
      keyring.remove();
    }
    expect(readFileSync(join(built.folder, 'README.md'), 'utf8')).toMatch(/Flux fetches a deploy commit only when it is signed by one of the OpenPGP keys/);
  });

  it('Argo CD: the AppProject names the key ids GnuPG reads from the keys, and the runbook adds them to Argo CD', async () => {
    const built = await buildTree({ ...withRepository, 'environments/prod.yaml': prod('argocd'), 'keys/deploy.pub.asc': deploy.publicKeyArmored, 'keys/rotation.pub.asc': second.publicKeyArmored });
    expect(built.exitCode, built.stderr).toBe(0);
    const objects = kustomize(built.k8s);
    for (const object of objects) expect(await checkObject(object)).toEqual([]);
    const project = objects.find((object) => object.kind === 'AppProject') as K8sObject & { spec: { signatureKeys: Array<{ keyID: string }> } };
    const keyring = keyringWith([]);
    try {
      const ids = [deploy, second].map((key) => keyring.showKey(key.publicKeyArmored).keyId);
      expect(project.spec.signatureKeys).toEqual(ids.map((keyID) => ({ keyID })));
    } finally {
      keyring.remove();
    }
    expect(commands(built.folder)).toEqual(expect.arrayContaining(['argocd gpg add --from k8s/commit-keys/deploy.pub.asc', `argocd proj add-signature-key default ${deploy.keyId}`]));
    expect(readFileSync(join(built.k8s, 'commit-keys', 'deploy.pub.asc'), 'utf8')).toBe(deploy.publicKeyArmored);
  });

  it('without keys/*.pub.asc, nothing is verified and the runbook says how to turn it on', async () => {
    for (const reconciler of ['flux', 'argocd'] as const) {
      const built = await buildTree({ ...withRepository, 'environments/prod.yaml': prod(reconciler) });
      expect(built.exitCode, built.stderr).toBe(0);
      const objects = kustomize(built.k8s);
      for (const object of objects) expect(await checkObject(object)).toEqual([]);
      const text = objects.map((object) => JSON.stringify(object)).join('\n');
      expect(text).not.toMatch(/"verify"|signatureKeys|commit-keys/);
      expect(existsSync(join(built.k8s, 'commit-keys'))).toBe(false);
      expect(readFileSync(join(built.folder, 'README.md'), 'utf8')).toMatch(/Deploy commits are not verified: the source repository has no OpenPGP commit key/);
    }
  });

  it('Flux without a deploy repository in slipway.yaml: the bootstrap GitRepository is not ours, so the runbook says to verify by hand', async () => {
    const built = await buildTree({ 'keys/deploy.pub.asc': deploy.publicKeyArmored });
    expect(built.exitCode, built.stderr).toBe(0);
    expect(kustomize(built.k8s).some((object) => object.kind === 'GitRepository')).toBe(false);
    expect(readFileSync(join(built.folder, 'README.md'), 'utf8')).toMatch(/Deploy commits are not verified: slipway.yaml names no deployRepo/);
  });

  it('refuses keys/ files that are not OpenPGP public keys, at the file, without echoing a secret key', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['keys/bad.pub.asc', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n', /keys\/bad\.pub\.asc:1:1: error invalid-commit-key: /],
      ['keys/slipway-commit.key.asc', deploy.secretKeyArmored, /keys\/slipway-commit\.key\.asc:1:1: error invalid-commit-key: keys\/ holds only public keys/],
      ['keys/leaked.pub.asc', deploy.secretKeyArmored, /keys\/leaked\.pub\.asc:1:1: error invalid-commit-key: this is an OpenPGP SECRET key/],
    ];
    for (const [path, text, message] of cases) {
      const built = await buildTree({ [path]: text });
      expect(built.exitCode, path).toBe(1);
      expect(built.stderr, path).toMatch(message);
      for (const line of deploy.secretKeyArmored.split('\n').filter((l) => l.length > 40)) expect(built.stderr).not.toContain(line);
    }
  });
});
