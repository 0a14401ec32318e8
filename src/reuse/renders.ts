import { join } from 'node:path';
import { compareText } from '../core/diagnostics.js';
import { sha256Hex } from '../core/digest.js';
import type { OutputFile } from '../core/output-file.js';
import type { PreviousTree } from '../deploy-repo/index.js';
import { MANIFEST_FILE, parseManifest, SIGNATURE_FILE, type ReleaseManifest } from '../sign/manifest.js';
import { digestSource, type SourceDigests } from './inputs.js';
import type { RecordedEnvironment, RecordedVerdict } from './record.js';
import { rememberVerdicts, type FinishedValidation } from './remember.js';
import { cacheFileBytes, readCacheFile, verdictHolds, withoutPrevious, type CacheFile } from './verdicts.js';

/**
 * The render cache (`diff --cache DIR`): per environment, under the digest of every input that
 * reaches it (no signing key, commit or previous state: a diff has none of them), the verdict a
 * build's validation reached and what the environment's folder then held besides its release
 * files. A later diff whose deploy state holds exactly that folder — its manifest lists the same
 * files, the same release and chart, and every listed file has its listed digest — takes the folder
 * from the deploy state as it is, which is what rendering it again would give: an unsigned build
 * keeps the manifest and signature of a folder whose files did not change. Only the environments
 * whose inputs changed are then validated and rendered. A cache, never a source of truth: missing,
 * damaged, of another Slipway, or not matching the deploy state, it means rendering again.
 */
export interface RenderCache extends CacheFile<RecordedRender> {
  format: typeof renderCacheFormat;
}

export interface RecordedRender extends RecordedVerdict {
  /** `folderListing` of the folder rendered from these inputs. */
  listing: string;
}

export const renderCacheFormat = 'slipway-render-cache/1';

export function renderCachePath(folder: string): string {
  return join(folder, 'renders.json');
}

/** What an environment's folder holds besides its release files, and what decides whether its manifest is kept. */
export function folderListing(manifest: ReleaseManifest): string {
  return sha256Hex(new TextEncoder().encode(JSON.stringify([manifest.release, manifest.mode, manifest.provider, manifest.runtime, manifest.chart ?? null, manifest.files])));
}

export interface RenderReuse {
  digests: SourceDigests;
  /** Environments whose folders are taken from the deploy state, with what the build record would say of them. */
  reused: Map<string, RecordedEnvironment>;
  validateOthersOnly: boolean;
  /** The files of each reused folder, as the deploy state holds them. */
  folders: Map<string, OutputFile[]>;
}

/** The environments of `root` whose folders in `against` are what rendering them now would give, by the cache. */
export function planRenderReuse(root: string, cacheFolder: string, now: Date, against: PreviousTree): RenderReuse {
  const digests = digestSource(root, {});
  const cache = readCacheFile<RenderCache>(renderCachePath(cacheFolder), renderCacheFormat);
  const reused = new Map<string, RecordedEnvironment>();
  const folders = new Map<string, OutputFile[]>();
  if (!cache || cache.shared !== digests.shared) return { digests, reused, validateOthersOnly: false, folders };
  for (const name of digests.environments.keys()) {
    const recorded = Object.hasOwn(cache.environments, name) ? cache.environments[name] : undefined;
    // A blocked target renders nothing: it keeps whatever the deploy state holds, judged again each time.
    if (!recorded || recorded.status === 'blocked' || !verdictHolds(digests, name, recorded, now)) continue;
    const { listing, ...verdict } = recorded;
    const folder = heldFolder(against, name, listing);
    if (!folder) continue;
    reused.set(name, { ...verdict, manifestSha256: sha256Hex(against.manifest(name)!), files: folder.length, changed: false });
    folders.set(name, folder);
  }
  return { digests, reused, validateOthersOnly: cache.sharedFindings === 0, folders };
}

/**
 * The folder the deploy state holds for an environment, as a build chained to it would write it
 * when nothing it lists changed — its listed files, its manifest, its signature if it has one —
 * or undefined when its manifest does not list `listing`, or a listed file is missing or changed.
 */
function heldFolder(against: PreviousTree, name: string, listing: string): OutputFile[] | undefined {
  const manifestBytes = against.manifest(name);
  if (!manifestBytes) return undefined;
  let manifest: ReleaseManifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch {
    return undefined;
  }
  if (manifest.environment !== name || folderListing(manifest) !== listing) return undefined;
  const held = against.folder(name);
  const files: OutputFile[] = [];
  for (const listed of manifest.files) {
    const bytes = held.get(listed.path);
    if (!bytes || bytes.length !== listed.size || sha256Hex(bytes) !== listed.sha256) return undefined;
    files.push({ path: listed.path, bytes });
  }
  files.push({ path: MANIFEST_FILE, bytes: manifestBytes });
  const signature = against.signature(name);
  if (signature) files.push({ path: SIGNATURE_FILE, bytes: signature });
  return files.sort((a, b) => compareText(a.path, b.path));
}

/** The cache to keep after a diff: the verdicts and folder listings it reached or took. */
export function renderCacheBytes(reuse: RenderReuse, validation: FinishedValidation, folders: ReadonlyMap<string, readonly OutputFile[]>, now: Date): Uint8Array {
  const { verdicts, sharedFindings } = rememberVerdicts(reuse.digests, reuse.reused, validation, { now, ...withoutPrevious });
  const environments: Record<string, RecordedRender> = {};
  for (const [name, verdict] of verdicts) {
    if (verdict.status === 'blocked') continue;
    const manifest = folders.get(name)?.find((file) => file.path === MANIFEST_FILE);
    if (manifest) environments[name] = { ...verdict, listing: folderListing(parseManifest(manifest.bytes)) };
  }
  return cacheFileBytes(renderCacheFormat, reuse.digests.shared, sharedFindings, environments);
}
