import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { parseDocument } from 'yaml';
import { readTree } from '../support/tree.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** What the platform team writes by hand into the deploy repository, next to what Slipway publishes. */
const handWritten: Record<string, string> = {
  'environments/kubernetes-staging/extra/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - feature-flags.yaml\n',
  'environments/kubernetes-staging/extra/feature-flags.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feature-flags\n  namespace: kubernetes-staging\ndata:\n  checkout-v2: "on"\n',
  'environments/compose-staging/extra/notes.md': '# Host notes\n\nThe backup disk is /dev/sdb.\n',
  'extra/clusters/staging/extra-sync.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: kubernetes-staging-extra\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./environments/kubernetes-staging/extra\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
};

/**
 * Hand-written files in the deploy repository, as a user keeps them: after a first publish, a
 * commit adds files under `environments/<env>/extra/` and `extra/`; the next build and publish
 * change the environments and leave those files byte for byte; `verify` of a clone passes and
 * reports each of them as `unmanaged-file`, `diff` does not mention them, and a hand-changed file
 * Slipway wrote still fails verify with exit 3. An environment removed from the source loses its
 * own files and keeps its extra/, which verify then warns of (`orphaned-extra`).
 */
export function extraFilesFlow(options: { work: string; installedNodeModules: string; slipway: (cwd: string, args: string[]) => Run; git: (args: string[], cwd: string) => string }): void {
  const repo = join(options.work, 'adopter-extra');
  mkdirSync(repo);
  writeFileSync(join(repo, 'package.json'), `${JSON.stringify({ name: 'adopter-extra', private: true, devDependencies: { slipway: '*' } }, null, 2)}\n`);
  symlinkSync(options.installedNodeModules, join(repo, 'node_modules'), 'dir');
  const deploy = join(options.work, 'adopter-extra-deploy.git');
  options.git(['init', '--quiet', '--bare', '--initial-branch', 'main', deploy], options.work);

  const step = (args: string[], expected = 0): Run => {
    const result = options.slipway(repo, args);
    expect(result.status, `slipway ${args.join(' ')}\n${result.stderr}${result.stdout}`).toBe(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    return result;
  };
  let clones = 0;
  const clone = () => {
    const dir = join(options.work, `adopter-extra-clone-${++clones}`);
    options.git(['clone', '--quiet', deploy, dir], options.work);
    return dir;
  };
  const key = join('.slipway', 'keys', 'slipway-signing.key.pem');
  const publish = ['publish', '--to', deploy, '--keys', 'keys'];

  step(['init', '--runtime', 'compose,kubernetes']);
  step(['secrets', 'sync']);
  step(['build', '--signing-key', key]);
  step(publish);

  // The team's own commit: hand-written files next to Slipway's.
  const seed = clone();
  for (const [path, text] of Object.entries(handWritten)) {
    mkdirSync(dirname(join(seed, path)), { recursive: true });
    writeFileSync(join(seed, path), text);
  }
  options.git(['add', '.'], seed);
  options.git(['commit', '--quiet', '-m', 'Feature flags and host notes, by hand'], seed);
  options.git(['push', '--quiet', 'origin', 'HEAD:main'], seed);

  // A change to every environment, built on the repository as it now is, and published.
  for (const name of ['compose-staging', 'kubernetes-staging']) {
    const path = join(repo, 'environments', `${name}.yaml`);
    const environment = parseDocument(readFileSync(path, 'utf8'));
    environment.set('description', `${name}, changed after the hand-written files landed`);
    writeFileSync(path, environment.toString());
  }
  step(['build', '--signing-key', key, '--previous', deploy]);
  const diff = step(['diff', '--against', deploy]);
  expect(diff.stdout).toMatch(/kubernetes-staging/);
  expect(diff.stdout).not.toMatch(/extra\//);
  const second = step(publish);
  expect(second.stderr).toMatch(/kubernetes-staging: updated/);

  const published = clone();
  const files = readTree(published);
  for (const [path, text] of Object.entries(handWritten)) expect(files.get(path)?.toString(), path).toBe(text);
  const manifest = JSON.parse(files.get('environments/kubernetes-staging/release.json')!.toString()) as { sequence: number; files: Array<{ path: string }> };
  expect(manifest.sequence).toBe(2);
  expect(manifest.files.some((file) => file.path.startsWith('extra/')), 'the manifest lists no hand-written file').toBe(false);
  expect(files.get('index.json')!.toString()).not.toContain('extra/');
  expect(files.get('release-index.json')!.toString()).not.toContain('extra/');

  rmSync(join(published, '.git'), { recursive: true, force: true });
  const verified = step(['verify', published, '--keys', 'keys']);
  const notices = verified.stderr.split('\n').filter((line) => line.includes(' notice unmanaged-file: '));
  expect(notices.map((line) => line.slice(line.indexOf('adopter-extra-clone-')).split(':')[0]!.replace(/^adopter-extra-clone-\d+\//, '')).sort()).toEqual(Object.keys(handWritten).sort());

  // Tampering with a file Slipway wrote is still exit 3, hand-written files or not.
  const namespace = join(published, 'environments', 'kubernetes-staging', 'k8s', 'namespace.yaml');
  writeFileSync(namespace, `${readFileSync(namespace, 'utf8')}# changed by hand\n`);
  const tampered = step(['verify', published, '--keys', 'keys'], 3);
  expect(tampered.stderr).toMatch(/environments\/kubernetes-staging\/k8s\/namespace\.yaml does not match release\.json/);

  // compose-staging leaves the source: its own files go from the repository, its extra/ stays.
  rmSync(join(repo, 'environments', 'compose-staging.yaml'));
  rmSync(join(repo, 'secrets', 'compose-staging.sops.yaml'), { force: true });
  step(['build', '--signing-key', key, '--previous', deploy]);
  const removal = step(publish);
  expect(removal.stderr).toMatch(/compose-staging: removed/);
  const after = clone();
  expect([...readTree(join(after, 'environments', 'compose-staging')).keys()]).toEqual(['extra/notes.md']);
  rmSync(join(after, '.git'), { recursive: true, force: true });
  const orphaned = step(['verify', after, '--keys', 'keys']);
  expect(orphaned.stderr).toMatch(/environments\/compose-staging\/extra\/notes\.md:1:1: warning orphaned-extra: /);
}
