import type { OutputFile } from '../../src/core/output-file.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { slipwayLabels, type Manifest } from './common.js';

/**
 * Deploy-commit verification by the reconcilers themselves, turned on when the source's `keys/`
 * holds OpenPGP public keys (`*.pub.asc`): the keys are copied into `k8s/commit-keys/`, and
 * - Flux: the GitRepository verifies the commit at the head of the branch (`verify.mode: HEAD`)
 *   against a Secret of flux-system that the same kustomization generates from those files (the
 *   keys are public: no SOPS), so an unsigned or foreign commit is never fetched into the cluster;
 * - Argo CD: the AppProject lists the key ids in `signatureKeys` (the field Argo CD 2 and 3 both
 *   read; 3's `sourceIntegrity` is not in every release yet), and Argo CD refuses to sync a commit
 *   not signed by one of them. Argo CD keeps its GnuPG keys in its own keyring: they are added once
 *   with `argocd gpg add` (the runbook says how).
 * Without keys nothing is verified, and the runbook says so.
 */

export const commitKeysFolder = 'commit-keys';
const fluxNamespace = 'flux-system';

/** The Secret of flux-system the GitRepository of this target verifies commits against. */
export function commitKeysSecretName(environment: ResolvedEnvironment): string {
  return `${environment.name}-commit-keys`;
}

const fileName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** `k8s/commit-keys/<file>.pub.asc`: each trusted commit key, as the source holds it. */
export function commitKeyFiles(environment: ResolvedEnvironment): OutputFile[] {
  return environment.commitKeys.map((key) => ({ path: `k8s/${commitKeysFolder}/${fileName(key.path)}`, bytes: new TextEncoder().encode(key.armored) }));
}

/** `GitRepository.spec.verify`, or undefined when no commit key is configured. */
export function fluxVerify(environment: ResolvedEnvironment): Manifest | undefined {
  if (environment.commitKeys.length === 0) return undefined;
  return { mode: 'HEAD', secretRef: { name: commitKeysSecretName(environment) } };
}

/** The kustomize secretGenerator entry that makes the verification Secret from the key files. */
export function fluxCommitKeysGenerator(environment: ResolvedEnvironment): Manifest {
  return {
    name: commitKeysSecretName(environment),
    namespace: fluxNamespace,
    // Flux reads PGP keys from the entries whose names end in .asc: the file names are kept.
    files: environment.commitKeys.map((key) => `${commitKeysFolder}/${fileName(key.path)}`),
    options: { disableNameSuffixHash: true, labels: slipwayLabels(environment) },
  };
}

/** `AppProject.spec.signatureKeys`, or undefined when no commit key is configured. */
export function argocdSignatureKeys(environment: ResolvedEnvironment): Array<{ keyID: string }> | undefined {
  if (environment.commitKeys.length === 0) return undefined;
  return [...new Set(environment.commitKeys.map((key) => key.keyId))].map((keyID) => ({ keyID }));
}
