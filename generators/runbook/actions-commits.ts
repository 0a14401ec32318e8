import type { PlanAction } from './plan.js';
import type { RunbookSubject } from './rendered.js';
import { listed } from './vocabulary.js';

const HOW_TO_TURN_ON = 'make a commit key with slipway keygen, copy slipway-commit.pub.asc into keys/ of the source repository, and publish with --commit-signing-key';

/**
 * Whether the reconciler checks who made the deploy commit it pulls, and what an operator does
 * once for it: the public keys travel in k8s/commit-keys/ (rendered only when verification is on).
 */
export function commitVerification(environment: RunbookSubject): PlanAction[] {
  if (environment.runtime !== 'kubernetes') return [];
  const keyFiles = environment.rendered.paths.filter((path) => path.startsWith('k8s/commit-keys/'));
  const keys = environment.commitKeys.map((key) => key.keyId);
  const signedBy = keys.length === 1 ? `signed by OpenPGP key ${keys[0]}` : `signed by one of the OpenPGP keys ${listed(keys)}`;
  const operatorCheck: PlanAction[] = keyFiles.map((file) => ({
    description: `To check a deploy commit by hand: import ${file} into GnuPG, then git verify-commit HEAD in a clone of the deploy repository`,
    command: ['gpg', '--import', file],
    files: [file],
  }));

  if (environment.reconciler === 'argocd') {
    if (keyFiles.length === 0) return [{ description: `Deploy commits are not verified: the source repository has no OpenPGP commit key (keys/*.pub.asc), so Argo CD syncs any commit on the branch; ${HOW_TO_TURN_ON}` }];
    return [
      ...keyFiles.map((file) => ({ description: `Add ${file} to Argo CD's GnuPG keyring, once per cluster`, command: ['argocd', 'gpg', 'add', '--from', file], files: [file] })),
      {
        description: `The AppProject ${environment.name} syncs its Applications only from commits ${signedBy} (signatureKeys); publish signs with --commit-signing-key`,
        files: ['k8s/argocd-project.yaml'],
      },
      ...keys.map((id) => ({
        description: `The root Application ${environment.name} is in project default, which checks no signature: require ${id} there too, or an unsigned commit could still change this folder`,
        command: ['argocd', 'proj', 'add-signature-key', 'default', id],
      })),
      ...operatorCheck,
    ];
  }
  if (keyFiles.length === 0) {
    const why = environment.commitKeys.length > 0
      ? 'slipway.yaml names no deployRepo, so this target follows the flux-system GitRepository that flux bootstrap made: set its spec.verify (mode HEAD, a Secret of flux-system holding keys/*.pub.asc) by hand'
      : `the source repository has no OpenPGP commit key (keys/*.pub.asc), so Flux applies any commit on the branch; ${HOW_TO_TURN_ON}`;
    return [{ description: `Deploy commits are not verified: ${why}` }];
  }
  return [
    {
      description: `Flux fetches a deploy commit only when it is ${signedBy}: the GitRepository ${environment.name} verifies the head commit (verify mode HEAD) against the Secret ${environment.name}-commit-keys of flux-system, made from ${listed(keyFiles)}; publish signs with --commit-signing-key`,
      files: ['k8s/flux-source.yaml', ...keyFiles],
    },
    ...operatorCheck,
  ];
}
