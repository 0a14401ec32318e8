import { join } from 'node:path';
import { sha256Hex } from '../core/digest.js';
import type { OutputFile } from '../core/output-file.js';
import type { PreviousTree } from '../deploy-repo/index.js';
import { MANIFEST_FILE, parseManifest, type ReleaseManifest } from '../sign/manifest.js';
import { digestSource, knownStatuses, type SourceDigests } from './inputs.js';
import type { RecordedEnvironment, RecordedVerdict } from './record.js';
import { rememberVerdicts, type FinishedValidation } from './remember.js';
import { cacheFileBytes, holdingVerdicts, readCacheFile, withoutPrevious, type CacheFile } from './verdicts.js';

/**
 * The render cache (`diff --cache DIR`): per environment, under the digest of every input that
 * reaches it (no signing key, commit or previous state: a diff has none of them), the verdict a
 * build's validation reached and what the environment's folder then held besides its release
 * files. A later diff whose deploy state holds exactly that folder — its manifest lists the same
 * files, the same release and chart, every listed file has its listed digest, and nothing else is
 * there — takes the folder from the deploy state as it is, which is what rendering it again would
 * give: an unsigned build keeps the manifest and signature of a folder whose files did not change.
 * A deploy state read from git says so without reading the folder: its fingerprint (the files'
 * blob ids) is the one recorded when a diff found the folder unchanged. Only the environments whose
 * inputs changed are then validated, rendered and compared. A cache, never a source of truth:
 * missing, damaged, of another Slipway, or not matching the deploy state, it means rendering again.
 */
export interface RenderCache extends CacheFile<RecordedRender> {
  format: typeof renderCacheFormat;
}

export interface RecordedRender extends RecordedVerdict {
  /** `folderListing` of the folder rendered from these inputs; empty for a blocked target, which has none. */
  listing: string;
  /**
   * sha256 of the manifest that folder held when the cache was written: the same bytes in the deploy
   * state next time are that manifest, already read and found valid, with that listing.
   */
  manifestSha256?: string;
  /**
   * The deploy state's `fingerprint` of the folder, when it could tell one and the diff found the
   * folder to be what these inputs render: the same fingerprint next time is the same bytes, taken
   * with no file read.
   */
  fingerprint?: string;
}

export const renderCacheFormat = 'slipway-render-cache/3';

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
  /** The listing of each reused folder, as the cache recorded it. */
  listings: Map<string, string>;
}

/** The environments of `root` whose folders in `against` are what rendering them now would give, by the cache. */
export function planRenderReuse(root: string, cacheFolder: string, now: Date, against: PreviousTree): RenderReuse {
  const cache = readCacheFile<RenderCache>(renderCachePath(cacheFolder), renderCacheFormat);
  const digests = digestSource(root, {}, knownStatuses(cache?.inputs));
  const reused = new Map<string, RecordedEnvironment>();
  const listings = new Map<string, string>();
  if (!cache || cache.shared !== digests.shared) return { digests, reused, validateOthersOnly: false, listings };
  for (const [name, recorded] of holdingVerdicts(cache.environments, digests, now)) {
    const { listing, manifestSha256, fingerprint, ...verdict } = recorded;
    if (recorded.status === 'blocked') {
      // A blocked target renders nothing and keeps what the deploy state holds: with nothing there,
      // its verdict is all there is to it (with a folder there, it is judged again, as a build does).
      if (against.folder(name).size === 0) reused.set(name, { ...verdict, manifestSha256: null, files: 0, changed: false });
      continue;
    }
    const held = heldFolder(against, name, listing, manifestSha256, fingerprint);
    if (!held) continue;
    reused.set(name, { ...verdict, manifestSha256: held.manifestSha256, files: held.files, changed: false });
    listings.set(name, listing);
  }
  return { digests, reused, validateOthersOnly: cache.sharedFindings === 0, listings };
}

/**
 * Whether the deploy state holds an environment's folder exactly as a build chained to it would
 * write it when nothing it lists changed — its listed files, its manifest, its signature if it has
 * one, and nothing else — and if so its manifest's digest and how many files it holds. Undefined
 * when its manifest does not list `listing`, or a file is missing, changed or added. A folder whose
 * fingerprint is the one recorded with its manifest is that folder, and is not read.
 */
function heldFolder(against: PreviousTree, name: string, listing: string, recordedManifest: string | undefined, recordedFingerprint: string | undefined): { files: number; manifestSha256: string } | undefined {
  const manifestBytes = against.manifest(name);
  if (!manifestBytes) return undefined;
  const manifestSha256 = sha256Hex(manifestBytes);
  let manifest: ReleaseManifest;
  try {
    // The manifest the cache saw, byte for byte, was read and checked then; any other is read and checked now.
    manifest = manifestSha256 === recordedManifest ? (JSON.parse(new TextDecoder().decode(manifestBytes)) as ReleaseManifest) : parseManifest(manifestBytes);
  } catch {
    return undefined;
  }
  if (manifest.environment !== name || (manifestSha256 !== recordedManifest && folderListing(manifest) !== listing)) return undefined;
  const releaseFiles = against.signature(name) ? 2 : 1;
  if (recordedFingerprint !== undefined && manifestSha256 === recordedManifest && against.fingerprint?.(name) === recordedFingerprint) {
    return { files: manifest.files.length + releaseFiles, manifestSha256 };
  }
  const held = against.folder(name);
  if (held.size !== manifest.files.length + releaseFiles) return undefined;
  for (const listed of manifest.files) {
    const bytes = held.get(listed.path);
    if (!bytes || bytes.length !== listed.size || sha256Hex(bytes) !== listed.sha256) return undefined;
  }
  return { files: held.size, manifestSha256 };
}

/**
 * The cache to keep after a diff: the verdicts and folder listings it reached or took (`taken`: the
 * folders it took from the deploy state; `fingerprints`: of the folders the diff found unchanged).
 */
export function renderCacheBytes(
  reuse: RenderReuse,
  render: FinishedValidation & { folders: ReadonlyMap<string, readonly OutputFile[]>; manifestDigests: ReadonlyMap<string, string> },
  taken: ReadonlySet<string>,
  fingerprints: ReadonlyMap<string, string>,
  now: Date,
): Uint8Array {
  const { folders, manifestDigests } = render;
  const { verdicts, sharedFindings } = rememberVerdicts(reuse.digests, reuse.reused, render, { now, ...withoutPrevious });
  const environments: Record<string, RecordedRender> = {};
  for (const [name, verdict] of verdicts) {
    const folder = folders.get(name);
    if (verdict.status === 'blocked') {
      // Kept as the deploy state holds it, a blocked target's folder is judged again next time.
      if (!folder) environments[name] = { ...verdict, listing: '' };
      continue;
    }
    const fingerprint = fingerprints.get(name);
    const recorded = { manifestSha256: manifestDigests.get(name), ...(fingerprint ? { fingerprint } : {}) };
    // A folder taken from the deploy state has the listing the cache vouched for; a rendered one is read.
    const listing = taken.has(name) ? reuse.listings.get(name) : undefined;
    if (listing !== undefined) {
      environments[name] = { ...verdict, listing, ...recorded };
      continue;
    }
    const manifest = folder?.find((file) => file.path === MANIFEST_FILE);
    if (!manifest) continue;
    environments[name] = { ...verdict, listing: folderListing(parseManifest(manifest.bytes)), ...recorded };
  }
  return cacheFileBytes(renderCacheFormat, reuse.digests, sharedFindings, environments);
}
