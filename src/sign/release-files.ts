import type { OutputFile } from '../core/output-file.js';
import { IntegrityError } from '../core/errors.js';
import { textBytes } from '../core/serialize.js';
import type { ResolvedEnvironment } from '../model/index.js';
import { API_VERSION, MANIFEST_FILE, SIGNATURE_FILE, manifestBytes, manifestFiles, parseManifest, type ChartPin, type ManifestFile, type ReleaseManifest } from './manifest.js';
import { sha256Hex } from '../core/digest.js';
import { signBytes, signatureFileText } from '../core/signing/signature.js';

export interface PreviousRelease {
  manifest: Uint8Array;
  signature?: Uint8Array;
}

export interface ReleaseOptions {
  /** The environment's release files in the deploy repo the build chains to. */
  previous?: PreviousRelease;
  sourceCommit?: string;
  /** The Ed25519 seed to sign with; without it the manifest is written unsigned (pull-request builds). */
  signingSeed?: Uint8Array;
  /** The shared chart the environment deploys, pinned by content (Kubernetes targets). */
  chart?: ChartPin;
  /** Whether a kept manifest's signature may stay (see `keepsSignature`); without it, any may. */
  keepSignature?: (signed: Uint8Array, signatureFile: Uint8Array) => boolean;
}

export interface EnvironmentRelease {
  /** release.json and, when signed, release.json.sig. */
  files: OutputFile[];
  manifestSha256: string;
  /** False when the previous manifest and signature were kept because nothing changed. */
  changed: boolean;
  /** The previous manifest was kept byte for byte, signed again because its signature may not stay. */
  resigned?: boolean;
}

/**
 * The signed manifest of one environment's folder. An environment whose files did not change
 * keeps its manifest and signature exactly as they were, so an unchanged target is no change.
 */
export function releaseEnvironment(model: ResolvedEnvironment, files: readonly OutputFile[], options: ReleaseOptions): EnvironmentRelease {
  const listed = manifestFiles(files.map((file) => ({ path: file.path, bytes: file.bytes })));
  const previous = options.previous ? parseManifest(options.previous.manifest, `the previous environments/${model.name}/${MANIFEST_FILE}`) : undefined;
  if (previous && previous.environment !== model.name) {
    throw new IntegrityError(`the previous environments/${model.name}/${MANIFEST_FILE} names environment "${previous.environment}"`);
  }

  if (options.previous && previous && sameRelease(previous, model, listed, options.chart)) {
    const kept = keptRelease(options.previous, options);
    return { files: kept.files, manifestSha256: sha256Hex(options.previous.manifest), changed: kept.resigned, ...(kept.resigned ? { resigned: true } : {}) };
  }

  const manifest: ReleaseManifest = {
    apiVersion: API_VERSION,
    kind: 'ReleaseManifest',
    environment: model.name,
    release: model.release.version,
    mode: model.mode,
    provider: model.provider,
    runtime: model.runtime,
    sequence: previous ? previous.sequence + 1 : 1,
    previous: options.previous ? sha256Hex(options.previous.manifest) : null,
    source: options.sourceCommit ? { commit: options.sourceCommit } : {},
    files: listed,
    ...(options.chart ? { chart: options.chart } : {}),
  };
  const bytes = manifestBytes(manifest);
  const out: OutputFile[] = [{ path: MANIFEST_FILE, bytes }];
  if (options.signingSeed) out.push(signatureFile(options.signingSeed, bytes));
  return { files: out, manifestSha256: sha256Hex(bytes), changed: true };
}

/**
 * A manifest carried over as it is (nothing it lists changed, or its target is blocked), with its
 * signature when that may stay. A signature by a revoked key, or by one no longer in keys/, is
 * replaced by the build key's signature of the same bytes: `sequence` does not move, since the
 * release is the same, and `verify --against` sees the same manifest, not a replay or a fork.
 */
export function keptRelease(previous: PreviousRelease, options: Pick<ReleaseOptions, 'signingSeed' | 'keepSignature'>): { files: OutputFile[]; resigned: boolean } {
  const files: OutputFile[] = [{ path: MANIFEST_FILE, bytes: previous.manifest }];
  const held = previous.signature;
  // An unsigned build cannot sign again: it keeps what there is (verify and publish judge it).
  const current = held !== undefined && (!options.signingSeed || (options.keepSignature?.(previous.manifest, held) ?? true));
  if (current) return { files: [...files, { path: SIGNATURE_FILE, bytes: held }], resigned: false };
  if (!options.signingSeed) return { files, resigned: false };
  return { files: [...files, signatureFile(options.signingSeed, previous.manifest)], resigned: held !== undefined };
}

function signatureFile(seed: Uint8Array, manifest: Uint8Array): OutputFile {
  return { path: SIGNATURE_FILE, bytes: textBytes(signatureFileText(signBytes(seed, manifest))) };
}

function sameRelease(previous: ReleaseManifest, model: ResolvedEnvironment, files: ManifestFile[], chart: ChartPin | undefined): boolean {
  return (
    previous.chart?.name === chart?.name &&
    previous.chart?.version === chart?.version &&
    previous.chart?.sha256 === chart?.sha256 &&
    previous.release === model.release.version &&
    previous.mode === model.mode &&
    previous.provider === model.provider &&
    previous.runtime === model.runtime &&
    previous.files.length === files.length &&
    previous.files.every((file, i) => file.path === files[i]!.path && file.sha256 === files[i]!.sha256 && file.size === files[i]!.size)
  );
}
