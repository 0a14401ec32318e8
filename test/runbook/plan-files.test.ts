import { describe, expect, it } from 'vitest';
import type { ProvisioningPlan } from '../../generators/runbook/index.js';
import { compile } from '../../src/compile.js';
import { repositoryRoot } from '../support/tree.js';

/**
 * The runbook names files by SPEC §3 from the model alone; the generators that render them are
 * separate. Once a generator renders a folder (compose/, helm/, k8s/, terraform/, ansible/, bundle/,
 * secrets/), every file the plan names in that folder must be one it actually wrote.
 */
describe('files named by the plans of the example', () => {
  it('exist wherever their folder is rendered', () => {
    const result = compile({ root: repositoryRoot, now: new Date('2026-11-20T00:00:00Z') });
    expect(result.files, JSON.stringify(result.diagnostics.filter((d) => d.severity === 'error'))).toBeDefined();
    const paths = new Set(result.files!.map((file) => file.path));
    const ready = result.targets.filter((target) => target.status === 'ready');
    expect(ready.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const target of ready) {
      const prefix = `environments/${target.name}/`;
      const plan = JSON.parse(new TextDecoder().decode(result.files!.find((file) => file.path === `${prefix}plan.json`)!.bytes)) as ProvisioningPlan;
      const named = new Set(plan.steps.flatMap((step) => step.actions.flatMap((action) => action.files ?? [])));
      for (const file of named) {
        if (!file.includes('/')) continue; // release.json and its signature: written by the signer
        const folder = `${prefix}${file.slice(0, file.indexOf('/') + 1)}`;
        if (![...paths].some((path) => path.startsWith(folder))) continue; // that generator has not landed
        const present = file.endsWith('/') ? true : paths.has(`${prefix}${file}`);
        if (!present) missing.push(`${prefix}${file}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
