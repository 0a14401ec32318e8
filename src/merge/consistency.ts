import { sha256Hex } from '../core/digest.js';
import { keyId, publicKeyOf } from '../core/signing/keys.js';
import { bytesEqual } from '../core/signing/pem.js';
import type { PreviousTree } from '../deploy-repo/index.js';
import type { Target } from '../model/index.js';
import { MANIFEST_FILE, SIGNATURE_FILE, parseManifest, type ReleaseManifest } from '../sign/manifest.js';
import { keptRelease } from '../sign/release-files.js';
import { keepsSignature, type Revocations } from '../sign/revocation.js';
import type { ShardOutput } from './shard.js';

/** One reason the shards do not add up to a full build, with its code (README: Troubleshooting). */
export interface MergeProblem {
  code: 'shard-missing' | 'shard-conflict' | 'shard-unknown-environment' | 'shard-mismatch';
  message: string;
}

/** How the merge signs, and what it trusts when it reads the shards. */
export interface MergeSigning {
  /** The release key; without it (`--no-sign`) the shards must be unsigned too. */
  seed?: Uint8Array;
  /** The keys a shard's signatures must verify under: `--keys` and the signing key. */
  trustedKeys: readonly Uint8Array[];
  /** Release keys whose signatures are refused: the policy's and those --previous records. */
  revoked: Revocations;
  /** Whether a signature carried over from --previous may stay (as the build decides it). */
  keepSignature: (signed: Uint8Array, signatureFile: Uint8Array) => boolean;
}

/**
 * Signed shards for a signed merge, unsigned ones for `--no-sign`: checked before the shards'
 * signatures, so a share built with the other choice is told as such (exit 1), not as tampering.
 * An unsigned build may still carry the root manifest --previous signed, when it kept it whole.
 */
export function signednessProblems(shards: readonly ShardOutput[], seed: Uint8Array | undefined, previous: PreviousTree | undefined): MergeProblem[] {
  const previousRoot = previous?.releaseIndex()?.manifest;
  return shards.flatMap((shard): MergeProblem[] => {
    if (!shard.rootManifest) return [];
    if (seed && !shard.rootSignature) {
      return [{ code: 'shard-mismatch', message: `${shard.label} is unsigned (built with --no-sign): build every share with the release key this merge signs with` }];
    }
    const keptWhole = previousRoot !== undefined && bytesEqual(previousRoot, shard.rootManifest);
    if (!seed && shard.rootSignature && !keptWhole) {
      return [{ code: 'shard-mismatch', message: `${shard.label} is signed, but this merge is --no-sign: merge with the release key (--signing-key FILE or SLIPWAY_SIGNING_KEY) the shares were built with` }];
    }
    return [];
  });
}

export interface ConsistencyInput {
  shards: readonly ShardOutput[];
  targets: readonly Target[];
  /** The folder taken for each environment, by name. */
  folders: ReadonlyMap<string, ReadonlyMap<string, Uint8Array>>;
  takenFrom: ReadonlyMap<string, string>;
  manifests: ReadonlyMap<string, ReleaseManifest>;
  previous: PreviousTree | undefined;
  signing: MergeSigning;
}

/**
 * Whether each folder taken from a shard is the one a full build with the merge's own options
 * would write: a manifest for the release, mode, provider and runtime this source gives the
 * environment; chained to what --previous holds (kept byte for byte when nothing changed, else
 * `previous` its digest and `sequence` one more); signed by this merge's key, or unsigned with
 * --no-sign; and every share built from one source commit. The shards' signatures were checked
 * already: this finds honest mistakes, shares built with other options, and says which.
 */
export function consistencyProblems(input: ConsistencyInput): MergeProblem[] {
  const problems: MergeProblem[] = [];
  const mismatch = (message: string) => problems.push({ code: 'shard-mismatch', message });
  const signedByMergeKey = input.signing.seed ? keepsSignature([publicKeyOf(input.signing.seed)]) : undefined;
  const mergeKey = input.signing.seed ? keyId(publicKeyOf(input.signing.seed)) : undefined;
  const commits = new Map<string, string[]>();

  for (const target of input.targets) {
    const manifest = input.manifests.get(target.name);
    const files = input.folders.get(target.name);
    if (!manifest || !files || !target.model) continue;
    const at = `${input.takenFrom.get(target.name)}/environments/${target.name}`;
    const model = target.model;
    const fields = ([['release', model.release.version], ['mode', model.mode], ['provider', model.provider], ['runtime', model.runtime]] as const).filter(([key, value]) => manifest[key] !== value);
    if (fields.length > 0) {
      const said = fields.map(([key, value]) => `${key} ${JSON.stringify(manifest[key])} where the source says ${JSON.stringify(value)}`).join(', ');
      mismatch(`${at}/${MANIFEST_FILE} has ${said}: the share was built from another source tree; build it again from this one`);
      continue;
    }

    const bytes = files.get(MANIFEST_FILE)!;
    const signature = files.get(SIGNATURE_FILE);
    const before = input.previous?.manifest(target.name);
    if (before && bytesEqual(before, bytes)) {
      // Unchanged: a build keeps the manifest, and its signature unless it must sign it again.
      const heldSignature = input.previous!.signature(target.name);
      const expected = keptRelease({ manifest: before, ...(heldSignature ? { signature: heldSignature } : {}) }, { ...(input.signing.seed ? { signingSeed: input.signing.seed } : {}), keepSignature: input.signing.keepSignature });
      const expectedSignature = expected.files.find((file) => file.path === SIGNATURE_FILE)?.bytes;
      const same = expectedSignature && signature ? bytesEqual(expectedSignature, signature) : expectedSignature === signature;
      if (!same) mismatch(`${at}/${SIGNATURE_FILE} is not the signature a build keeps or makes for the unchanged manifest --previous holds: was the share signed with another key?`);
      continue;
    }

    const chainedTo = before ? sha256Hex(before) : null;
    const sequence = before ? parseManifest(before, `the previous environments/${target.name}/${MANIFEST_FILE}`).sequence + 1 : 1;
    if (manifest.previous !== chainedTo || manifest.sequence !== sequence) {
      const held = before ? `--previous holds manifest ${chainedTo!.slice(0, 12)}… (sequence ${sequence - 1})` : '--previous holds no manifest for it';
      const chained = manifest.previous ? `chains to ${manifest.previous.slice(0, 12)}… at sequence ${manifest.sequence}` : `starts a chain at sequence ${manifest.sequence}`;
      mismatch(`${at}/${MANIFEST_FILE} ${chained}, but ${held}: build every share with the --previous this merge is given`);
      continue;
    }
    if (signedByMergeKey && signature && !signedByMergeKey(bytes, signature)) {
      mismatch(`${at}/${SIGNATURE_FILE} is not by the key this merge signs with (${mergeKey}): build every share with the same release key`);
    }
    if (!signedByMergeKey && signature) mismatch(`${at}/${SIGNATURE_FILE} is there, but this merge is --no-sign: merge with the release key the share was signed with`);
    const commit = manifest.source.commit ?? 'no source commit';
    commits.set(commit, [...(commits.get(commit) ?? []), at]);
  }

  if (commits.size > 1) {
    const seen = [...commits].map(([commit, folders]) => `${commit} (${folders[0]}${folders.length > 1 ? ` and ${folders.length - 1} more` : ''})`).join('; ');
    mismatch(`the shares were built from different source commits: ${seen}; build every share from one commit`);
  }
  return problems;
}
