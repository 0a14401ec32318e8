import type { ResolvedEnvironment } from '../../src/model/index.js';
import { hasOwnServiceAccount } from '../helm-values/values.js';
import { serviceAccount, type ManifestFile } from './common.js';

/**
 * The ServiceAccounts services run under, named after them: to reach a bucket with their own cloud
 * identity (EKS Pod Identity binds the role by namespace and name), or because service.json declares
 * one, with its annotations (IRSA's role ARN, GKE Workload Identity). Made here rather than by the
 * chart: the chart's migration Job is a pre-install hook, which runs before any object of its
 * release exists.
 */
export function serviceAccountManifests(environment: ResolvedEnvironment): ManifestFile[] {
  return environment.services
    .filter((service) => hasOwnServiceAccount(environment, service))
    .map((service) => serviceAccount(environment, service.name, service.options.serviceAccount?.annotations));
}
