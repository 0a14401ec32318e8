import { yamlBytes } from '../../src/generate/serialize.js';
import type { ResolvedEnvironment } from '../../src/resolve/index.js';
import { checkChartValues } from '../chart/files.js';
import type { EnvironmentGenerator, OutputFile } from '../types.js';
import { aiGatewayName, aiGatewayValues, serviceValues, type ChartValues } from './values.js';

/** One Helm release of the application chart in a Kubernetes target. */
export interface ChartRelease {
  name: string;
  values: ChartValues;
  /** Releases of this target that must be ready first (the service DAG), sorted. */
  dependsOn: string[];
  /** Resources (by name) this release uses. */
  usesResources: string[];
}

/** Every release of the application chart for a target: its services in dependency order, then the AI gateway. */
export function chartReleases(environment: ResolvedEnvironment): ChartRelease[] {
  const releases: ChartRelease[] = environment.services.map((service) => ({
    name: service.name,
    values: serviceValues(environment, service),
    dependsOn: service.dependsOn,
    usesResources: service.usesResources,
  }));
  const gateway = aiGatewayValues(environment);
  if (gateway) releases.push({ name: aiGatewayName, values: gateway, dependsOn: [], usesResources: [] });
  return releases;
}

/** `helm/<service>.values.yaml`: one values file per release, checked against the chart's schema before it is written. */
export const helmValuesGenerator: EnvironmentGenerator = {
  name: 'helm-values',
  scope: 'environment',
  appliesTo: (environment) => environment.runtime === 'kubernetes',
  generate(environment) {
    return chartReleases(environment).map((release): OutputFile => {
      checkChartValues(release.values, `${environment.name}/${release.name}`);
      return { path: `helm/${release.name}.values.yaml`, bytes: yamlBytes(release.values) };
    });
  },
};
