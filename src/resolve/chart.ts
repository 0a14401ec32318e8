import { type ChartReference, type ProjectSettings, defaultChart } from '../model/index.js';

export function resolveChart(settings: ProjectSettings | undefined): ChartReference {
  return { name: settings?.chart?.name ?? defaultChart.name, version: settings?.chart?.version ?? defaultChart.version };
}
