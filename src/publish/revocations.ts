import { IntegrityError } from '../core/errors.js';
import { RELEASE_INDEX_FILE, parseReleaseIndex } from '../sign/release-index.js';
import type { BuiltOutput } from './output.js';
import type { RepoState } from './plan.js';

/**
 * The release keys the deploy repository's current root manifest revokes. Read without checking
 * its signature: a revocation only ever refuses more, and the repository is the side that saw it
 * (an output signed with a leaked key may well leave the revocation out).
 */
export async function heldRevocations(repo: RepoState, where: string): Promise<string[]> {
  if (!repo.files.has(RELEASE_INDEX_FILE)) return [];
  return parseReleaseIndex(await repo.read(RELEASE_INDEX_FILE), `${RELEASE_INDEX_FILE} of ${where}`).revokedKeys ?? [];
}

/** Refuses (exit 3) an output any of whose signatures only a key the repository revokes made. */
export function refuseRevokedSigners(output: BuiltOutput, revoked: readonly string[], where: string, dir: string): void {
  const refused = [...output.signers].filter(([, keyId]) => revoked.includes(keyId)).sort(([a], [b]) => (a < b ? -1 : 1));
  if (refused.length === 0) return;
  const lines = refused.map(([path, keyId]) => `${path} is signed by key ${keyId} only, which ${where} revokes (its ${RELEASE_INDEX_FILE})`);
  throw new IntegrityError(
    `refusing to publish ${dir}: it is signed by a revoked release key (nothing was committed)\n  ${lines.join('\n  ')}\n` +
      'A revoked key stays revoked whatever a later tree says. Build again with --previous pointing at the deploy repository, signing with a current key.',
  );
}
