import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';
import { fixturesDir, useTrees } from '../support/tree.js';
import { certManagerAddon, jsonFindings, prodEnvironment as prod } from './helpers.js';

/** A shared overlay's add-ons: deployed by every environment taking it, replaced by the environment's own of the same name, judged where the overlay writes them. */
const newTree = useTrees();
const overlay = `addons:
${certManagerAddon}  trust-manager:
    repository: https://charts.jetstack.io
    chart: trust-manager
    version: v0.12.0
    dependsOn: [cert-manager]
`;
/** A second Kubernetes target that takes the same overlay. */
const staging = prod.replace('name: prod', 'name: staging').replace('tier: production', 'tier: staging');
/** Its secrets: prod's file serves (a SOPS file names no environment). */
const stagingSecrets = readFileSync(join(fixturesDir, 'minimal', 'secrets', 'prod.sops.yaml'), 'utf8');

describe('add-ons of a shared overlay', () => {
  it('are deployed by each environment taking it; the environment’s own add-on of a name replaces the overlay’s', async () => {
    const root = newTree({
      'overlays/certificates/overlay.yaml': overlay,
      'environments/prod.yaml': `${prod}overlays: [certificates]\naddons:\n  cert-manager: { repository: https://charts.jetstack.io, chart: cert-manager, version: v1.17.0 }\n`,
      'environments/staging.yaml': `${staging}overlays: [certificates]\n`,
      'secrets/staging.sops.yaml': stagingSecrets,
    });
    const out = join(root, 'output');
    const run = await runCli(['build', '--no-sign', '--out', out], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    const release = (environment: string, addon: string) => parse(readFileSync(join(out, 'environments', environment, 'k8s', `addon-${addon}-release.yaml`), 'utf8')) as { spec: { chart: { spec: { version: string } }; dependsOn?: unknown[]; values?: unknown } };
    expect(release('prod', 'cert-manager').spec.chart.spec.version).toBe('v1.17.0');
    expect(release('prod', 'cert-manager').spec.values).toBeUndefined();
    expect(release('staging', 'cert-manager').spec.chart.spec.version).toBe('v1.16.2');
    expect(release('staging', 'cert-manager').spec.values).toEqual({ crds: { enabled: true } });
    for (const environment of ['prod', 'staging']) {
      expect(release(environment, 'trust-manager').spec.chart.spec.version).toBe('v0.12.0');
      const manifest = JSON.parse(readFileSync(join(out, 'environments', environment, 'release.json'), 'utf8')) as { files: Array<{ path: string }> };
      expect(manifest.files.map((file) => file.path)).toContain('k8s/addon-trust-manager-release.yaml');
    }
  });

  it('reports a mistake in the overlay once, at its line in the overlay, however many environments take it', async () => {
    const root = newTree({
      'overlays/certificates/overlay.yaml': overlay.replace('version: v0.12.0', 'version: ^0.12.0').replace('dependsOn: [cert-manager]', 'dependsOn: [cert-manager, trust-mangler]'),
      'environments/prod.yaml': `${prod}overlays: [certificates]\n`,
      'environments/staging.yaml': `${staging}overlays: [certificates]\n`,
    });
    const run = await runCli(['validate', '--format', 'json'], { cwd: root });
    const found = jsonFindings(run.stdout);
    const at = (code: string) => found.filter((finding) => finding.code === code).map(({ file, line, column }) => ({ file, line, column }));
    expect(at('addon-version-range')).toEqual([{ file: 'overlays/certificates/overlay.yaml', line: 11, column: 14 }]);
    // A dependency is judged against the add-ons of each environment taking it, and says which.
    expect(found.filter((finding) => finding.code === 'unknown-addon').map(({ file, line, column, message }) => ({ file, line, column, of: /no add-on of "(\w+)"/.exec(message)?.[1] }))).toEqual([
      { file: 'overlays/certificates/overlay.yaml', line: 12, column: 31, of: 'prod' },
      { file: 'overlays/certificates/overlay.yaml', line: 12, column: 31, of: 'staging' },
    ]);
    expect(run.exitCode).toBe(1);
  });
});
