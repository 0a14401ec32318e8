import { oncePerObject } from '../../src/core/once-per-object.js';
import { groupVersion, type ResolvedEnvironment } from '../../src/model/index.js';
import { aiGatewayValues, serviceValues, type ChartValues } from '../helm-values/values.js';

/** What selects an object: kustomize matches a patch's target against these. */
export interface ObjectIdentity {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string | undefined;
}

/**
 * The objects the application chart renders for one release, by identity only, decided from the
 * same values the release installs with: what a patch of chart output can select, known without
 * running Helm. test/extras/kustomize.test.ts holds this against `helm template` of every release
 * of the example, so a template that gains or loses an object fails there first.
 */
export function chartObjects(values: ChartValues, namespace: string): ObjectIdentity[] {
  const name = values.name;
  const object = (apiVersion: string, kind: string, objectName = name): ObjectIdentity => ({ ...groupVersion(apiVersion), kind, name: objectName, namespace });
  const blueGreen = values.strategy === 'blue-green';
  // A scheduled service runs as a CronJob, with nothing to route to (templates/cronjob.yaml, service.yaml).
  const scheduled = values.schedule !== '';
  return [
    scheduled ? object('batch/v1', 'CronJob') : blueGreen ? object('argoproj.io/v1alpha1', 'Rollout') : object('apps/v1', 'Deployment'),
    ...(values.ports.length > 0 && !scheduled ? [object('v1', 'Service'), ...(blueGreen ? [object('v1', 'Service', `${name}-preview`)] : [])] : []),
    ...values.persistence.map((volume) => object('v1', 'PersistentVolumeClaim', `${name}-${volume.name}`)),
    ...(values.configFiles.length > 0 ? [object('v1', 'ConfigMap', `${name}-config`)] : []),
    ...(values.autoscaling.enabled ? [object('autoscaling/v2', 'HorizontalPodAutoscaler')] : []),
    ...(values.podDisruptionBudget.enabled ? [object('policy/v1', 'PodDisruptionBudget')] : []),
    ...(values.ingress.enabled ? [object('networking.k8s.io/v1', 'Ingress')] : []),
    ...(values.networkPolicy.enabled ? [object('networking.k8s.io/v1', 'NetworkPolicy')] : []),
    ...(values.monitoring.serviceMonitor.enabled ? [object('monitoring.coreos.com/v1', 'ServiceMonitor')] : []),
    ...(values.monitoring.alerts.length > 0 ? [object('monitoring.coreos.com/v1', 'PrometheusRule')] : []),
    ...(values.branding.enabled ? [object('v1', 'ConfigMap', `${name}-branding`)] : []),
    ...(values.serviceAccount.create ? [object('v1', 'ServiceAccount', values.serviceAccount.name)] : []),
    ...(values.migrations.enabled ? [object('batch/v1', 'Job', `${name}-migrate`)] : []),
    ...(values.seed.enabled ? [object('batch/v1', 'Job', `${name}-seed`)] : []),
  ];
}

export type ChartReleaseObjects = ReadonlyArray<{ release: string; objects: readonly ObjectIdentity[] }>;

/**
 * Every release of the application chart with the objects it renders. Worked out once per model:
 * the checks of an environment's extras ask twice (its post-renderers and its collisions), and
 * the kubernetes generator again; the model does not change after resolve.
 */
export const chartReleaseObjects: (environment: ResolvedEnvironment) => ChartReleaseObjects = oncePerObject((environment) => {
  const values = environment.services.map((service) => serviceValues(environment, service));
  const gateway = aiGatewayValues(environment);
  if (gateway) values.push(gateway);
  return values.map((release) => ({ release: release.name, objects: chartObjects(release, environment.infrastructure.namespace) }));
});
