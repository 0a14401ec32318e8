import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/core/digest.js';
import { scanFolder } from '../../src/core/tree.js';
import { isManaged } from '../../src/deploy-repo/layout.js';
import { releaseIndexFiles, RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE } from '../../src/sign/release-index.js';

/**
 * Signs the root of a hand-made deploy tree as a build would: release-index.json listing every
 * managed root file and every environment folder's manifest (ready unless `blocked` names it).
 */
export function writeReleaseIndex(root: string, seed: Uint8Array, blocked: readonly string[] = []): void {
  const { files } = scanFolder(root, { include: (path) => !path.startsWith('environments') && path !== RELEASE_INDEX_FILE && path !== RELEASE_INDEX_SIGNATURE_FILE });
  const rootFiles = [...files].filter(([path]) => isManaged(path)).map(([path, bytes]) => ({ path, bytes }));
  const environments = readdirSync(join(root, 'environments')).map((name) => ({
    name,
    status: blocked.includes(name) ? ('blocked' as const) : ('ready' as const),
    manifestSha256: sha256Hex(readFileSync(join(root, 'environments', name, 'release.json'))),
  }));
  for (const file of releaseIndexFiles(rootFiles, environments, { signingSeed: seed })) writeFileSync(join(root, file.path), file.bytes);
}
