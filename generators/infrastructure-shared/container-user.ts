import type { ResolvedSecurityContext } from '../../src/model/index.js';

/** Docker's `user` (Compose `user`, an ECS container's `user`) from runAsUser and runAsGroup: `uid` or `uid:gid`; undefined leaves the image's. */
export function containerUser(securityContext: ResolvedSecurityContext): string | undefined {
  const { runAsUser, runAsGroup } = securityContext.pod;
  if (runAsUser === undefined) return undefined;
  return runAsGroup === undefined ? `${runAsUser}` : `${runAsUser}:${runAsGroup}`;
}
