import type { Diagnostic } from '../../core/diagnostics.js';
import { finding } from '../../model/index.js';
import type { Rule } from './rule.js';

/**
 * Argo CD Applications must name the repository they pull from; Flux can fall back to the
 * GitRepository its bootstrap made, Argo CD has no such default. Like a secrets file still to
 * sync, this only stops a build: `validate` warns.
 */
export const deployRepoRule: Rule = {
  name: 'deploy-repo',
  codes: ['deploy-repo-required', 'deploy-branch-unset'],
  check({ project, resolved, blocked, purpose }) {
    const settings = project.settings;
    if (settings?.value.deployRepo) {
      // Publish commits to the repository's default branch when none is named, but the reconcilers
      // are told a branch when Slipway renders them: the two must be the same one.
      const kubernetes = [...resolved.values()].some((model) => model.runtime === 'kubernetes');
      if (!kubernetes || settings.value.branch) return [];
      return [
        finding(settings, ['deployRepo'], 'deploy-branch-unset', `the Kubernetes targets follow branch "main" of deployRepo, while publish commits to the deploy repository's default branch when slipway.yaml names none; set branch (e.g. branch: main) so both use the same one`, {
          severity: 'warning',
        }),
      ];
    }
    const out: Diagnostic[] = [];
    for (const model of resolved.values()) {
      if (model.runtime !== 'kubernetes' || model.reconciler !== 'argocd' || blocked.has(model.name)) continue;
      const environment = project.environments.get(model.name)!;
      out.push(
        finding(environment, environment.value.reconciler ? ['reconciler'] : [], 'deploy-repo-required', `Argo CD must know which repository to pull "${model.name}" from; set deployRepo (a git URL or github:OWNER/REPO) in slipway.yaml`, {
          severity: purpose === 'build' ? 'error' : 'warning',
        }),
      );
    }
    return out;
  },
};
