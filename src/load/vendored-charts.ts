import type { Diagnostic } from '../core/diagnostics.js';
import { vendoredChartsFolder, type VendoredChart } from '../model/index.js';
import { listFolder, readSourceFile } from './read-files.js';

/**
 * `vendor/charts/<chart>-<version>/`: third-party charts a team copied into the source tree (for
 * example `helm pull REPO/CHART --version V --untar`, the folder renamed to `<chart>-<version>`).
 * Only `values.schema.json` is read — the schema Helm itself checks values against — with the
 * chart's `values.yaml` that Helm merges them over, so add-on values are judged at the line that sets them, before a reconciler ever installs the chart.
 * A schema that is not strict JSON is a located finding here, like every other input.
 */
export function readVendoredCharts(root: string, diagnostics: Diagnostic[]): Map<string, VendoredChart> {
  const charts = new Map<string, VendoredChart>();
  for (const entry of listFolder(root, vendoredChartsFolder, diagnostics)) {
    if (entry.kind !== 'folder') continue;
    const read = (file: string) => {
      const result = readSourceFile(root, `${vendoredChartsFolder}/${entry.name}/${file}`);
      if (result) diagnostics.push(...result.diagnostics);
      return result?.file;
    };
    const valuesSchema = read('values.schema.json');
    // The defaults matter only to a schema that judges them.
    charts.set(entry.name, { name: entry.name, valuesSchema, defaultValues: valuesSchema ? read('values.yaml') : undefined });
  }
  return charts;
}
