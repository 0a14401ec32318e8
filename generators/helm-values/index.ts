import { yamlBytes } from '../../src/core/serialize.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { checkChartValues } from '../chart/files.js';
import type { EnvironmentGenerator } from '../types.js';
import type { OutputFile } from '../../src/core/output-file.js';
import { aiGatewayFindings } from './check.js';
import { aiGatewayName, aiGatewayValues, serviceValues } from './values.js';

/**
 * One Helm release of the application chart in a Kubernetes target, as the reconciler objects need it.
 * Its values are computed only by the generator below (once per release), never for the k8s/ folder.
 */
interface ChartRelease {
  name: string;
  /** Releases of this target that must be ready first (the service DAG), sorted. */
  dependsOn: string[];
  /** Resources (by name) this release uses. */
  usesResources: string[];
}

/** Every release of the application chart for a target: its services in dependency order, then the AI gateway. */
export function chartReleases(environment: ResolvedEnvironment): ChartRelease[] {
  const releases: ChartRelease[] = environment.services.map(({ name, dependsOn, usesResources }) => ({ name, dependsOn, usesResources }));
  if (environment.infrastructure.aiGateway) releases.push({ name: aiGatewayName, dependsOn: [], usesResources: [] });
  return releases;
}

/** `helm/<release>.values.yaml`: one values file per release, checked against the chart's schema before it is written. */
export const helmValuesGenerator: EnvironmentGenerator = {
  name: 'helm-values',
  scope: 'environment',
  description: 'Helm values for the application chart, one file per release',
  appliesTo: (environment) => environment.runtime === 'kubernetes',
  check: aiGatewayFindings,
  generate(environment) {
    const releases = environment.services.map((service) => serviceValues(environment, service));
    const gateway = aiGatewayValues(environment);
    if (gateway) releases.push(gateway);
    return releases.map((values): OutputFile => {
      checkChartValues(values, `${environment.name}/${values.name}`);
      return { path: `helm/${values.name}.values.yaml`, bytes: yamlBytes(values) };
    });
  },
};
