import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import type { ProvisioningPlan } from '../../src/model/index.js';
import { repositoryRoot } from '../support/tree.js';

/**
 * The runbook names files; other generators write them. Both ways must hold on every rendered
 * folder of the example: each file or folder a plan or README names was written, and each thing
 * written is listed in the README's "Files" section.
 */
describe('files named by the runbooks of the example', () => {
  // Signed, as a published build is: the plans name release.json.sig too.
  const result = compile({ root: repositoryRoot, now: new Date('2026-11-20T00:00:00Z'), signingSeed: new Uint8Array(32).fill(7) });
  const paths = new Set((result.files ?? []).map((file) => file.path));
  const text = (path: string) => new TextDecoder().decode(result.files!.find((file) => file.path === path)!.bytes);
  const ready = result.targets.filter((target) => target.status === 'ready');

  it('renders the example', () => {
    expect(result.files, JSON.stringify(result.diagnostics.filter((d) => d.severity === 'error'))).toBeDefined();
    expect(ready.length).toBeGreaterThan(0);
  });

  it('exist: every file and folder a plan names was rendered', () => {
    const missing: string[] = [];
    let named = 0;
    for (const target of ready) {
      const prefix = `environments/${target.name}/`;
      const plan = JSON.parse(text(`${prefix}plan.json`)) as ProvisioningPlan;
      for (const file of new Set(plan.steps.flatMap((step) => step.actions.flatMap((action) => action.files ?? [])))) {
        named += 1;
        const present = file.endsWith('/') ? [...paths].some((path) => path.startsWith(`${prefix}${file}`)) : paths.has(`${prefix}${file}`);
        if (!present) missing.push(`${prefix}${file}`);
      }
    }
    expect(missing).toEqual([]);
    // Not vacuous: every ready target's plan names files (release.json at least).
    expect(named).toBeGreaterThanOrEqual(ready.length);
  });

  it('are all listed: the README names every top-level file and folder of its environment, and nothing else', () => {
    const mismatched: string[] = [];
    for (const target of ready) {
      const prefix = `environments/${target.name}/`;
      const section = /## Files\n\n((?:- .*\n)+)/.exec(text(`${prefix}README.md`))?.[1] ?? '';
      const listed = new Set([...section.matchAll(/^- `([^`]+)`/gm)].map((match) => match[1]!));
      const written = new Set(
        [...paths]
          .filter((path) => path.startsWith(prefix))
          .map((path) => path.slice(prefix.length))
          .filter((path) => !['README.md', 'plan.json', 'plan.md', 'release.json', 'release.json.sig'].includes(path)),
      );
      for (const path of written) {
        const folder = path.includes('/') ? path.slice(0, path.indexOf('/') + 1) : undefined;
        if (!listed.has(path) && !(folder && listed.has(folder))) mismatched.push(`${prefix}${path} is not listed`);
      }
      for (const entry of listed) {
        const exists = entry.endsWith('/') ? [...written].some((path) => path.startsWith(entry)) : written.has(entry) || ['plan.md', 'release.json'].includes(entry);
        if (!exists) mismatched.push(`${prefix}${entry} is listed but was not rendered`);
      }
    }
    expect(mismatched).toEqual([]);
  });
});
