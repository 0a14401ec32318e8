import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixturesDir, useTrees } from '../support/tree.js';
import { jsonFindings, prodEnvironment as prod } from './helpers.js';

/** Every add-on mistake is a finding with its code, at the line and column that causes it, saying how to fix it. */
const newTree = useTrees();
const onprem = readFileSync(join(fixturesDir, 'minimal', 'environments', 'onprem.yaml'), 'utf8');
const prodLines = prod.split('\n').length - 1;
const onpremLines = onprem.split('\n').length - 1;

async function findings(edits: Record<string, string>, command = 'validate') {
  const root = newTree(edits);
  const run = await runCli([command, '--format', 'json', ...(command === 'build' ? ['--no-sign'] : [])], { cwd: root });
  return jsonFindings(run.stdout);
}

describe('add-on findings', () => {
  it('reports a version range, an http:// repository, another scheme, an unknown dependsOn and a cycle, each where it is written', async () => {
    const found = await findings({
      'environments/prod.yaml': `${prod}addons:
  cert-manager:
    repository: http://charts.jetstack.io
    chart: cert-manager
    version: ^1.16.0
    dependsOn: [trust-manger]
  trust-manager:
    repository: git://example.com/charts
    chart: trust-manager
    version: "1.2"
    dependsOn: [trust-manager]
`,
    });
    const at = (code: string) => found.filter((finding) => finding.code === code).map(({ severity, file, line, column }) => ({ severity, file, line, column }));
    const file = 'environments/prod.yaml';
    expect(at('insecure-addon-repository')).toEqual([{ severity: 'error', file, line: prodLines + 3, column: 17 }]);
    expect(at('invalid-addon-repository')).toEqual([{ severity: 'error', file, line: prodLines + 8, column: 17 }]);
    expect(at('addon-version-range')).toEqual([
      { severity: 'error', file, line: prodLines + 5, column: 14 },
      { severity: 'error', file, line: prodLines + 10, column: 14 },
    ]);
    expect(at('unknown-addon')).toEqual([{ severity: 'error', file, line: prodLines + 6, column: 17 }]);
    expect(at('addon-dependency-cycle')).toEqual([{ severity: 'error', file, line: prodLines + 11, column: 16 }]);
    const message = (code: string) => found.find((finding) => finding.code === code)!.message;
    expect(message('unknown-addon')).toMatch(/did you mean "trust-manager"/);
    expect(message('addon-version-range')).toMatch(/pin one/);
    expect(message('insecure-addon-repository')).toMatch(/https:\/\//);
  });

  it('warns, at the key, that add-ons mean nothing on a Compose target', async () => {
    const found = await findings({ 'environments/onprem.yaml': `${onprem}addons:\n  cert-manager: { repository: https://charts.jetstack.io, chart: cert-manager, version: v1.16.2 }\n` });
    expect(found.filter((finding) => finding.code.startsWith('addon'))).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'addon-not-kubernetes', file: 'environments/onprem.yaml', line: onpremLines + 1, column: 1 }),
    ]);
  });

  it('refuses an add-on named like a service: a warning in validate, an error in build', async () => {
    const edits = { 'environments/prod.yaml': `${prod}addons:\n  api: { repository: https://charts.example.com, chart: api-gateway, version: 2.0.0 }\n` };
    const expected = { code: 'addon-name-taken', file: 'environments/prod.yaml', line: prodLines + 2, column: 3 };
    expect(await findings(edits)).toEqual([expect.objectContaining({ ...expected, severity: 'warning' })]);
    expect(await findings(edits, 'build')).toEqual([expect.objectContaining({ ...expected, severity: 'error' })]);
  });

  it('refuses, on Argo CD, an add-on named secrets: its Application would be the one of the encrypted secrets', async () => {
    const edits = {
      'slipway.yaml': 'deployRepo: https://github.com/acme/deploy.git\nbranch: main\nreconciler: argocd\n',
      'environments/prod.yaml': `${prod}addons:\n  secrets: { repository: https://charts.example.com, chart: vault-secrets, version: 1.0.0 }\n`,
    };
    expect(await findings(edits, 'build')).toEqual([expect.objectContaining({ severity: 'error', code: 'addon-name-taken', line: prodLines + 2, column: 3 })]);
  });

  it('accepts the schema: names are DNS labels, the three keys are required, values are any mapping', async () => {
    const found = await findings({ 'environments/prod.yaml': `${prod}addons:\n  Cert_Manager: { repository: https://charts.jetstack.io, chart: cert-manager }\n` });
    expect(found.map((finding) => finding.code).sort()).toEqual(['invalid-name', 'missing-key']);
  });
});
