/** The application Helm chart as the output names it: `charts/<name>/`, `Chart.yaml` version. */
export interface ChartReference {
  name: string;
  version: string;
}

/** Used when `slipway.yaml` names no chart: the chart's own Chart.yaml says the same. */
export const defaultChart: ChartReference = { name: 'app', version: '0.1.0' };

