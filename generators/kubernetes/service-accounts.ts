import type { ResolvedEnvironment } from '../../src/model/index.js';
import { usesWorkloadIdentity } from '../helm-values/values.js';
import { slipwayLabels, type Manifest } from './common.js';

/**
 * The ServiceAccounts services run under to reach a bucket with their own cloud identity (EKS Pod
 * Identity binds the role by namespace and name). Made here rather than by the chart: the chart's
 * migration Job is a pre-install hook, which runs before any object of its release exists.
 */
export function serviceAccountManifests(environment: ResolvedEnvironment): Array<{ file: string; manifest: Manifest }> {
  const annotations = environment.reconciler === 'argocd' ? { annotations: { 'argocd.argoproj.io/sync-wave': '-1' } } : {};
  return environment.services
    .filter((service) => usesWorkloadIdentity(environment, service))
    .map((service) => ({
      file: `serviceaccount-${service.name}.yaml`,
      manifest: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: service.name, namespace: environment.infrastructure.namespace, labels: slipwayLabels(environment), ...annotations },
        automountServiceAccountToken: false,
      },
    }));
}
