import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';

/**
 * The deploy repository as a reconciler in the cluster addresses it. Flux wants `ssh://` or
 * `https://` URLs (the deploy key `flux bootstrap` creates is an SSH key); Argo CD takes HTTPS
 * and scp-like addresses. Local paths and file:// URLs cannot be reached from a cluster: undefined.
 */
export function clusterUrl(repository: string, reconciler: 'flux' | 'argocd'): string | undefined {
  const github = /^github:([^/]+)\/(.+)$/.exec(repository);
  if (github) return reconciler === 'flux' ? `ssh://git@github.com/${github[1]}/${github[2]}` : `https://github.com/${github[1]}/${github[2]}.git`;
  if (/^(https?|ssh):\/\//.test(repository)) return repository;
  const scp = /^([A-Za-z0-9._-]+@[A-Za-z0-9.-]+):(.+)$/.exec(repository);
  if (scp) return reconciler === 'flux' ? `ssh://${scp[1]}/${scp[2]}` : repository;
  return undefined;
}

/** The environment's deploy repository for its reconciler, or undefined when the project names none. */
export function repositoryUrl(environment: ResolvedEnvironment, reconciler: 'flux' | 'argocd'): string | undefined {
  const repository = environment.infrastructure.deploy.repository;
  if (repository === undefined) return undefined;
  const url = clusterUrl(repository, reconciler);
  if (url === undefined) throw new BugError(`${environment.name}: the deploy repository cannot be reached from a cluster; the kubernetes check should have reported it`);
  return url;
}
