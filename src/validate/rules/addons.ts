import type { Diagnostic } from '../../core/diagnostics.js';
import { addonDeclarations, finding, isExactChartVersion, referableEntities, vendoredChartName, vendoredChartsFolder, type AddonDeclaration, type AddonInput, type Project } from '../../model/index.js';
import { didYouMean } from '../suggest.js';
import { checkChartValues } from './addon-values.js';
import type { Rule } from './rule.js';

/**
 * Add-on charts are reviewed like everything else, so what a reconciler installs must be exactly
 * what the review saw: a pinned version, from a source it fetches over an authenticated channel,
 * ordered after add-ons that exist, with values the chart accepts (when the chart is vendored).
 */
export const addonsRule: Rule = {
  name: 'addons',
  codes: ['addon-not-kubernetes', 'addon-version-range', 'insecure-addon-repository', 'invalid-addon-repository', 'unknown-addon', 'addon-dependency-cycle', 'addon-values-schema', 'invalid-values-schema'],
  check({ project }) {
    const out: Diagnostic[] = [];
    // An overlay's add-on is judged once, however many environments take it.
    const judged = new Set<AddonDeclaration['owner']>();
    for (const environment of referableEntities(project.environments)) {
      const declarations = addonDeclarations(project, environment);
      if (declarations.length === 0) continue;
      if (environment.value.runtime !== undefined && environment.value.runtime !== 'kubernetes') {
        // An overlay may serve Compose targets too (for its Compose override): only an environment's own add-ons are a mistake there.
        if (Object.keys(environment.value.addons ?? {}).length > 0) {
          out.push(
            finding(environment, ['addons'], 'addon-not-kubernetes', `add-on charts install into a Kubernetes cluster, and "${environment.name}" runs on ${environment.value.runtime}: they are not deployed there; remove addons, or move them to a Kubernetes environment`, { key: true, severity: 'warning' }),
          );
        }
        continue;
      }
      const names = declarations.map((declaration) => declaration.name);
      for (const declaration of declarations) {
        if (declaration.overlay === undefined || !judged.has(declaration.owner)) out.push(...addonFindings(project, declaration));
        out.push(...dependencyFindings(environment.name, declaration, names));
      }
      for (const declaration of declarations) if (declaration.overlay !== undefined) judged.add(declaration.owner);
      out.push(...cycleFindings(declarations));
    }
    return out;
  },
};

/** What is wrong with one add-on whatever environment deploys it: its source, its version, its values. */
function addonFindings(project: Project, { name, addon, owner }: AddonDeclaration): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (...path: Array<string | number>) => ['addons', name, ...path];
  if (addon.repository !== undefined) {
    const scheme = addon.repository.slice(0, addon.repository.indexOf(':')).toLowerCase();
    if (scheme === 'http') {
      out.push(finding(owner, at('repository'), 'insecure-addon-repository', `the add-on "${name}" would be fetched over plain http://, where anyone on the way can swap the chart; use the repository's https:// address`));
    } else if (scheme !== 'https' && scheme !== 'oci') {
      out.push(finding(owner, at('repository'), 'invalid-addon-repository', `"${addon.repository}" is neither a Helm repository (https://…) nor an OCI registry (oci://…); use the address \`helm repo add\` or \`helm pull oci://…\` takes`));
    }
  }
  if (addon.version !== undefined && !isExactChartVersion(addon.version)) {
    out.push(
      finding(owner, at('version'), 'addon-version-range', `the add-on "${name}" asks for version "${addon.version}", which is not one exact chart version: the reconciler would pick whichever matches, unreviewed; pin one, e.g. "1.2.3" (\`helm search repo ${addon.chart ?? name} --versions\` lists them)`),
    );
  }
  if (addon.chart !== undefined && addon.version !== undefined && addon.values !== undefined) out.push(...valuesFindings(project, owner, name, addon as AddonInput));
  return out;
}

/** A dependency names an add-on of the environment that deploys it (its own or its overlays'). */
function dependencyFindings(environment: string, { name, addon, owner }: AddonDeclaration, names: string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  (addon.dependsOn ?? []).forEach((dependency, index) => {
    if (!names.includes(dependency)) {
      out.push(finding(owner, ['addons', name, 'dependsOn', index], 'unknown-addon', `the add-on "${name}" depends on "${dependency}", which is no add-on of "${environment}"${didYouMean(dependency, names) || `; its add-ons: ${names.join(', ')}`}`));
    }
  });
  return out;
}

/** Values against the vendored chart's schema, each problem at the value (or the nearest key above it) that causes it. */
function valuesFindings(project: Project, owner: AddonDeclaration['owner'], name: string, addon: AddonInput): Diagnostic[] {
  const folder = vendoredChartName(addon.chart, addon.version);
  const chart = project.vendoredCharts.get(folder);
  if (!chart?.valuesSchema) return [];
  const schemaPath = `${vendoredChartsFolder}/${folder}/values.schema.json`;
  const result = checkChartValues(chart.valuesSchema, chart.defaultValues?.data, addon.values ?? {});
  if ('schemaProblem' in result) {
    return [{ severity: 'error', code: 'invalid-values-schema', file: schemaPath, line: 1, column: 1, message: `${schemaPath} cannot be used to check the values of "${name}" (${result.schemaProblem}); vendor the chart again as \`helm pull\` gives it` }];
  }
  return result.problems.map((problem) =>
    finding(owner, ['addons', name, 'values', ...problem.path], 'addon-values-schema', `${problem.message} (the values schema of ${addon.chart} ${addon.version}, ${schemaPath}); change the value to one the chart accepts`, { key: problem.key }),
  );
}

/** Add-ons that wait for each other would never install: Flux waits forever, Argo CD has no wave to give them. */
function cycleFindings(declarations: readonly AddonDeclaration[]): Diagnostic[] {
  const edges = new Map(declarations.map(({ name, addon }) => [name, addon.dependsOn ?? []]));
  const owners = new Map(declarations.map(({ name, owner }) => [name, owner]));
  const reported = new Set<string>();
  const done = new Set<string>();
  const out: Diagnostic[] = [];
  const visit = (name: string, trail: string[]): void => {
    if (done.has(name)) return;
    const start = trail.indexOf(name);
    if (start >= 0) {
      const cycle = trail.slice(start);
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        out.push(finding(owners.get(cycle[0]!)!, ['addons', cycle[0]!, 'dependsOn'], 'addon-dependency-cycle', `the add-ons ${[...cycle, cycle[0]].join(' → ')} wait for each other, so none would ever install; remove one dependsOn of the cycle`));
      }
      return;
    }
    for (const next of edges.get(name) ?? []) if (edges.has(next)) visit(next, [...trail, name]);
    done.add(name);
  };
  for (const { name } of declarations) visit(name, []);
  return out;
}
