/**
 * The root manifest (`release-index.json` + `release-index.json.sig`): what the per-environment
 * manifests do not cover, signed under the release key in the same form (RFC 8785 bytes, no
 * trailing newline; the `.sig` is the base64 of the Ed25519 signature, then a newline), so the
 * README's OpenSSL one-liner checks it too.
 *
 * It lists every file Slipway writes outside `environments/` (index.json, README.md, api/…, the
 * shared chart under charts/…) with its sha256 and size, and every environment of the source with
 * its status and the sha256 of the release.json its folder holds (null when it has no folder: a
 * target blocked before it was ever published). `sequence` and `previous` chain it to the root
 * manifest of the deploy repository it was built on, as an environment's manifest is chained.
 * `revokedKeys` records the release keys revoked so far (sorted, omitted while there is none, so a
 * tree that never revoked a key keeps its bytes): the deploy state carries its revocations, and a
 * client or publish that saw them refuses a later tree signed by such a key, whatever it says.
 */
import { BugError, IntegrityError } from '../core/errors.js';
import { sha256Hex } from '../core/digest.js';
import type { OutputFile } from '../core/output-file.js';
import { bytesEqual } from '../core/signing/pem.js';
import { signBytes, signatureFileText } from '../core/signing/signature.js';
import { textBytes } from '../core/serialize.js';
import { API_VERSION, canonicalJson, comparePaths, fileListProblems, manifestFiles, type ManifestFile } from './manifest.js';
import { KEY_ID, sortedKeyIds } from './revocation.js';

export const RELEASE_INDEX_FILE = 'release-index.json';
export const RELEASE_INDEX_SIGNATURE_FILE = 'release-index.json.sig';

export type IndexedStatus = 'ready' | 'blocked';

export interface IndexedEnvironment {
  name: string;
  status: IndexedStatus;
  /** sha256 of the environment's release.json, or null when it has no folder. */
  manifestSha256: string | null;
}

export interface ReleaseIndex {
  apiVersion: typeof API_VERSION;
  kind: 'ReleaseIndex';
  sequence: number;
  previous: string | null;
  environments: IndexedEnvironment[];
  files: ManifestFile[];
  /** Ids of the revoked release keys, sorted; absent when none is. */
  revokedKeys?: string[];
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SHA256 = /^[0-9a-f]{64}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const unknownKeys = (obj: Record<string, unknown>, allowed: readonly string[]) => Object.keys(obj).filter((k) => !allowed.includes(k));

/** Every problem of a would-be root manifest (empty when it is a valid one). */
export function releaseIndexProblems(value: unknown): string[] {
  if (!isObject(value)) return ['is not a JSON object'];
  const p: string[] = [];
  const extra = unknownKeys(value, ['apiVersion', 'kind', 'sequence', 'previous', 'environments', 'files', 'revokedKeys']);
  if (extra.length) p.push(`has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  if (value.apiVersion !== API_VERSION) p.push(`apiVersion must be "${API_VERSION}"`);
  if (value.kind !== 'ReleaseIndex') p.push('kind must be "ReleaseIndex"');
  if (typeof value.sequence !== 'number' || !Number.isSafeInteger(value.sequence) || value.sequence < 1) p.push('sequence must be a positive integer');
  if (value.previous !== null && (typeof value.previous !== 'string' || !SHA256.test(value.previous))) p.push('previous must be null or a lowercase sha256 hex digest');
  if (!Array.isArray(value.environments)) p.push('environments must be an array');
  else {
    let last: string | undefined;
    value.environments.forEach((e: unknown, i) => {
      const at = `environments[${i}]`;
      if (!isObject(e)) return void p.push(`${at} must be an object`);
      const extraKeys = unknownKeys(e, ['name', 'status', 'manifestSha256']);
      if (extraKeys.length) p.push(`${at} has unknown field(s) ${extraKeys.map((k) => JSON.stringify(k)).join(', ')}`);
      if (typeof e.name !== 'string' || !NAME.test(e.name)) p.push(`${at}.name must be a name (${NAME.source})`);
      else {
        if (last !== undefined && comparePaths(last, e.name) >= 0) p.push(`${at}.name is out of order or repeated`);
        last = e.name;
      }
      if (e.status !== 'ready' && e.status !== 'blocked') p.push(`${at}.status must be "ready" or "blocked"`);
      if (e.manifestSha256 !== null && (typeof e.manifestSha256 !== 'string' || !SHA256.test(e.manifestSha256))) {
        p.push(`${at}.manifestSha256 must be null or a lowercase sha256 hex digest`);
      }
    });
  }
  if ('revokedKeys' in value) p.push(...revokedKeysProblems(value.revokedKeys));
  p.push(...fileListProblems(value.files, [RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE]));
  if (Array.isArray(value.files) && value.files.some((f: unknown) => isObject(f) && typeof f.path === 'string' && f.path.startsWith('environments/'))) {
    p.push('files must not list anything under environments/ (each environment has its own manifest)');
  }
  return p;
}

/** An empty list is written as no field at all, so only a non-empty, sorted list of distinct key ids is valid. */
function revokedKeysProblems(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.length === 0) return ['revokedKeys must be a non-empty array (absent when no key is revoked)'];
  const p: string[] = [];
  ids.forEach((id: unknown, i) => {
    if (typeof id !== 'string' || !KEY_ID.test(id)) p.push(`revokedKeys[${i}] must be a key id (${KEY_ID.source})`);
    else if (i > 0 && typeof ids[i - 1] === 'string' && (ids[i - 1] as string) >= id) p.push(`revokedKeys[${i}] is out of order or repeated`);
  });
  return p;
}

/** The exact bytes of release-index.json: RFC 8785 canonical JSON, UTF-8, no trailing newline. */
export function releaseIndexBytes(index: ReleaseIndex): Uint8Array {
  const clean: ReleaseIndex = {
    apiVersion: index.apiVersion,
    kind: index.kind,
    sequence: index.sequence,
    previous: index.previous,
    environments: index.environments.map((e) => ({ name: e.name, status: e.status, manifestSha256: e.manifestSha256 })),
    files: index.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
    ...(index.revokedKeys && index.revokedKeys.length > 0 ? { revokedKeys: [...index.revokedKeys] } : {}),
  };
  const problems = releaseIndexProblems(clean);
  if (problems.length) throw new BugError(`refusing to write an invalid ${RELEASE_INDEX_FILE}: ${problems.join('; ')}`);
  return canonicalJson(clean);
}

/** Reads release-index.json; anything but a valid root manifest in canonical form is an IntegrityError. */
export function parseReleaseIndex(bytes: Uint8Array, what = RELEASE_INDEX_FILE): ReleaseIndex {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (error) {
    throw new IntegrityError(`${what} is not valid UTF-8 JSON: ${(error as Error).message}`);
  }
  const problems = releaseIndexProblems(value);
  if (problems.length) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    throw new IntegrityError(`${what} is not a valid root manifest: ${shown}`);
  }
  if (!bytesEqual(canonicalJson(value), bytes)) throw new IntegrityError(`${what} is not in canonical form (RFC 8785, no trailing newline); Slipway never writes it so`);
  return value as ReleaseIndex;
}

export interface PreviousReleaseIndex {
  manifest: Uint8Array;
  signature?: Uint8Array;
}

export interface ReleaseIndexOptions {
  /** The root manifest of the deploy repository this tree is built on. */
  previous?: PreviousReleaseIndex;
  signingSeed?: Uint8Array;
  /** Ids of every revoked release key, recorded in the root manifest. */
  revokedKeys?: readonly string[];
  /** Whether the previous root manifest's signature may be kept (not by a revoked or no longer trusted key). */
  keepSignature?: (signed: Uint8Array, signatureFile: Uint8Array) => boolean;
}

/**
 * release-index.json (and its .sig when a seed is given) for the root files (paths relative to the
 * tree's root, none under environments/) and the environments. When the previous root manifest
 * already says exactly this, it is kept byte for byte, so an unchanged tree is no change; its
 * signature too, unless `keepSignature` refuses it: then the same bytes are signed again.
 */
export function releaseIndexFiles(rootFiles: readonly OutputFile[], environments: readonly IndexedEnvironment[], options: ReleaseIndexOptions): OutputFile[] {
  const files = manifestFiles(rootFiles.filter((file) => file.path !== RELEASE_INDEX_FILE && file.path !== RELEASE_INDEX_SIGNATURE_FILE));
  const listed = [...environments].sort((a, b) => comparePaths(a.name, b.name)).map((e) => ({ name: e.name, status: e.status, manifestSha256: e.manifestSha256 }));
  const revokedKeys = sortedKeyIds(options.revokedKeys ?? []);
  const previous = options.previous ? parseReleaseIndex(options.previous.manifest, `the previous ${RELEASE_INDEX_FILE}`) : undefined;
  if (options.previous && previous && sameContent(previous, listed, files, revokedKeys)) {
    const held = options.previous.signature;
    // Without a seed (an unsigned build) the held signature is all there is, whoever made it.
    const current = held !== undefined && (!options.signingSeed || (options.keepSignature?.(options.previous.manifest, held) ?? true));
    const signature = current ? held : options.signingSeed ? signatureText(options.signingSeed, options.previous.manifest) : undefined;
    return [{ path: RELEASE_INDEX_FILE, bytes: options.previous.manifest }, ...(signature ? [{ path: RELEASE_INDEX_SIGNATURE_FILE, bytes: signature }] : [])];
  }
  const bytes = releaseIndexBytes({
    apiVersion: API_VERSION,
    kind: 'ReleaseIndex',
    sequence: previous ? previous.sequence + 1 : 1,
    previous: options.previous ? sha256Hex(options.previous.manifest) : null,
    environments: listed,
    files,
    revokedKeys,
  });
  const out: OutputFile[] = [{ path: RELEASE_INDEX_FILE, bytes }];
  if (options.signingSeed) out.push({ path: RELEASE_INDEX_SIGNATURE_FILE, bytes: signatureText(options.signingSeed, bytes) });
  return out;
}

function signatureText(seed: Uint8Array, bytes: Uint8Array): Uint8Array {
  return textBytes(signatureFileText(signBytes(seed, bytes)));
}

function sameContent(previous: ReleaseIndex, environments: IndexedEnvironment[], files: ManifestFile[], revokedKeys: readonly string[]): boolean {
  return (
    (previous.revokedKeys ?? []).join(',') === revokedKeys.join(',') &&
    previous.environments.length === environments.length &&
    previous.environments.every((e, i) => e.name === environments[i]!.name && e.status === environments[i]!.status && e.manifestSha256 === environments[i]!.manifestSha256) &&
    previous.files.length === files.length &&
    previous.files.every((f, i) => f.path === files[i]!.path && f.sha256 === files[i]!.sha256 && f.size === files[i]!.size)
  );
}
