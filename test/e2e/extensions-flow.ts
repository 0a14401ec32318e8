import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse, parseDocument } from 'yaml';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The escape hatches as an adopter reaches them from their own repository, through the installed
 * package: a service option (a nodeSelector and a persistent volume in service.json), a shared
 * overlay (an extra ConfigMap, a strategic-merge patch of the Namespace) and an add-on chart, in
 * the tree `slipway init` wrote. The build renders each into the environment's folder, the signed
 * manifest lists them, `verify` accepts the tree, and a broken patch is reported at its line.
 */
export function extensionsFlow(options: { work: string; installedNodeModules: string; slipway: (cwd: string, args: string[]) => Run }): void {
  const repo = join(options.work, 'adopter-extensions');
  mkdirSync(repo);
  writeFileSync(join(repo, 'package.json'), `${JSON.stringify({ name: 'adopter-extensions', private: true, devDependencies: { slipway: '*' } }, null, 2)}\n`);
  symlinkSync(options.installedNodeModules, join(repo, 'node_modules'), 'dir');
  const step = (args: string[], expected = 0): Run => {
    const result = options.slipway(repo, args);
    expect(result.status, `slipway ${args.join(' ')}\n${result.stderr}${result.stdout}`).toBe(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    return result;
  };
  step(['init', '--runtime', 'kubernetes']);
  step(['secrets', 'sync']);

  const servicePath = join(repo, 'services', 'app', 'service.json');
  const service = JSON.parse(readFileSync(servicePath, 'utf8')) as Record<string, unknown>;
  writeFileSync(servicePath, `${JSON.stringify({ ...service, nodeSelector: { pool: 'general' }, volumes: [{ name: 'uploads', mountPath: '/uploads', size: '5Gi' }] }, null, 2)}\n`);
  const overlay = join(repo, 'overlays', 'platform');
  mkdirSync(overlay, { recursive: true });
  writeFileSync(join(overlay, 'overlay.yaml'), 'manifests: [flags.yaml]\npatches:\n  - path: namespace-label.yaml\naddons:\n  cert-manager:\n    repository: https://charts.jetstack.io\n    chart: cert-manager\n    version: v1.16.2\n    values:\n      crds: { enabled: true }\n');
  writeFileSync(join(overlay, 'flags.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  checkout: "v2"\n');
  const environmentPath = join(repo, 'environments', 'kubernetes-staging.yaml');
  const environment = parseDocument(readFileSync(environmentPath, 'utf8'));
  environment.set('overlays', ['platform']);
  writeFileSync(environmentPath, environment.toString());

  // A strategic-merge patch naming no object of the environment: reported at its own file and line (a generator's check: an error for build).
  writeFileSync(join(overlay, 'namespace-label.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: not-the-namespace\n  labels:\n    team: platform\n');
  const refused = step(['build', '--no-sign', '--format', 'json'], 1);
  expect(refused.stdout).toMatch(/"code":"patch-target-missing","file":"overlays\/platform\/namespace-label\.yaml","line":\d+/);

  writeFileSync(join(overlay, 'namespace-label.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kubernetes-staging\n  labels:\n    team: platform\n');
  step(['build', '--signing-key', join('.slipway', 'keys', 'slipway-signing.key.pem')]);
  const folder = join(repo, 'output', 'environments', 'kubernetes-staging');
  const values = parse(readFileSync(join(folder, 'helm', 'app.values.yaml'), 'utf8')) as { nodeSelector: unknown; persistence: unknown };
  expect(values.nodeSelector).toEqual({ pool: 'general' });
  expect(values.persistence).toEqual([{ name: 'uploads', mountPath: '/uploads', size: '5Gi' }]);
  const kustomization = parse(readFileSync(join(folder, 'k8s', 'kustomization.yaml'), 'utf8')) as { resources: string[]; patches?: Array<{ path: string }> };
  const manifest = JSON.parse(readFileSync(join(folder, 'release.json'), 'utf8')) as { files: Array<{ path: string }> };
  const listed = manifest.files.map((file) => file.path);
  // Every file the kustomization names is in the folder and signed.
  for (const path of [...kustomization.resources, ...(kustomization.patches ?? []).map((patch) => patch.path)]) expect(listed).toContain(`k8s/${path}`);
  expect(kustomization.resources.some((path) => path.startsWith('extra/'))).toBe(true);
  expect(kustomization.patches?.length).toBe(1);
  expect(listed).toContain('k8s/addon-cert-manager-release.yaml');
  const verified = step(['verify', 'output', '--keys', 'keys']);
  expect(verified.stdout).toMatch(/kubernetes-staging/);
}
