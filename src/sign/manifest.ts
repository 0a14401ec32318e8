/**
 * The release manifest (`release.json`, SPEC §4) and its canonical bytes.
 *
 * Bytes: RFC 8785 (JSON Canonicalization Scheme) via the `canonicalize` package, UTF-8, and
 * **no trailing newline**. The file is exactly the canonical form, so `release.json` ==
 * JCS(parse(release.json)) holds byte for byte; the signature covers exactly those bytes; and a
 * reader can insist on the canonical form (parseManifest does), which rules out duplicate keys and
 * other parser-differential tricks in a signed file.
 *
 * Paths in `files` are relative to the environment's folder, `/`-separated, and sorted by Unicode
 * code point (= UTF-8 byte order, = the order git sorts tree entries in).
 */
import { createRequire } from 'node:module';
import { BugError, IntegrityError } from '../core/errors.js';
import { sha256Hex } from '../core/digest.js';
import { bytesEqual } from '../core/signing/pem.js';

// `canonicalize` is CommonJS (`module.exports = function`), and its .d.ts declares an ESM default
// export that NodeNext resolution cannot call; load it through require with its real type.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (input: unknown) => string | undefined;

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface ReleaseManifest {
  apiVersion: 'slipway.dev/v1';
  kind: 'ReleaseManifest';
  environment: string;
  release: string;
  mode: string;
  provider: string;
  runtime: string;
  sequence: number;
  previous: string | null;
  source: { commit?: string };
  files: ManifestFile[];
  /** The shared chart (`charts/<name>/`) the environment deploys, pinned to its exact content. */
  chart?: ChartPin;
}

/**
 * A chart pinned by content: `sha256` is the sha256 of its listing (`chartListing`), so a changed,
 * added or removed chart file changes the manifest of every environment that deploys the chart.
 */
export interface ChartPin {
  name: string;
  version: string;
  sha256: string;
}

export const MANIFEST_FILE = 'release.json';
export const SIGNATURE_FILE = 'release.json.sig';
export const API_VERSION = 'slipway.dev/v1';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const RELEASE = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
// C0 controls, DEL, C1 controls, backslash, and lone surrogates (RFC 8785 forbids them).
const BAD_PATH_CHAR = /[\u0000-\u001f\u007f-\u009f\\]|\p{Cs}/u;

/** Why a manifest path is unacceptable, or null when it is fine. */
export function pathProblem(path: string): string | null {
  if (typeof path !== 'string' || path.length === 0) return 'is empty';
  if (BAD_PATH_CHAR.test(path)) return 'contains a control character, a backslash or an unpaired surrogate';
  if (path.startsWith('/')) return 'is absolute';
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  }
  return null;
}

/** Code-point order of two strings (UTF-8 byte order), not JavaScript's UTF-16 order. */
export function comparePaths(a: string, b: string): number {
  // The two orders differ only where a surrogate meets a character from U+E000 up: without any
  // character from U+D800 up (every path a generator writes), JavaScript's own comparison is exact.
  if (!beyondSurrogates.test(a) && !beyondSurrogates.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const beyondSurrogates = /[\uD800-\uFFFF]/;


/**
 * The `files` list of an environment's folder: every file but release.json and release.json.sig,
 * with its sha256 and size, sorted by path. Paths are relative to the environment folder.
 */
export function manifestFiles(
  files: ReadonlyMap<string, Uint8Array> | Array<{ path: string; bytes: Uint8Array }>,
): ManifestFile[] {
  const entries = files instanceof Map ? [...files].map(([path, bytes]) => ({ path, bytes })) : (files as Array<{ path: string; bytes: Uint8Array }>);
  const seen = new Set<string>();
  const out: ManifestFile[] = [];
  for (const { path, bytes } of entries) {
    const problem = pathProblem(path);
    if (problem) throw new BugError(`manifest path ${JSON.stringify(path)} ${problem}`);
    if (seen.has(path)) throw new BugError(`manifest path ${JSON.stringify(path)} appears twice`);
    seen.add(path);
    if (path === MANIFEST_FILE || path === SIGNATURE_FILE) continue;
    out.push({ path, sha256: sha256Hex(bytes), size: bytes.length });
  }
  return out.sort((a, b) => comparePaths(a.path, b.path));
}

type Problem = string;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(obj).filter((k) => !allowed.includes(k));
}

const TOP_KEYS = ['apiVersion', 'kind', 'environment', 'release', 'mode', 'provider', 'runtime', 'sequence', 'previous', 'source', 'files', 'chart'] as const;

/** Every problem of a would-be manifest (empty when it is a valid one). */
export function manifestProblems(value: unknown): Problem[] {
  if (!isPlainObject(value)) return ['is not a JSON object'];
  const p: Problem[] = [];
  const extra = unknownKeys(value, TOP_KEYS);
  if (extra.length) p.push(`has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  if (value.apiVersion !== API_VERSION) p.push(`apiVersion must be "${API_VERSION}"`);
  if (value.kind !== 'ReleaseManifest') p.push('kind must be "ReleaseManifest"');
  for (const key of ['environment', 'mode', 'provider', 'runtime'] as const) {
    const v = value[key];
    if (typeof v !== 'string' || !NAME.test(v)) p.push(`${key} must be a name (${NAME.source})`);
  }
  if (typeof value.release !== 'string' || !RELEASE.test(value.release)) p.push(`release must be a version (${RELEASE.source})`);
  if (typeof value.sequence !== 'number' || !Number.isSafeInteger(value.sequence) || value.sequence < 0) {
    p.push('sequence must be a non-negative integer');
  }
  if (value.previous !== null && (typeof value.previous !== 'string' || !SHA256.test(value.previous))) {
    p.push('previous must be null or a lowercase sha256 hex digest');
  }
  const source = value.source;
  if (!isPlainObject(source)) p.push('source must be an object');
  else {
    const extraSource = unknownKeys(source, ['commit']);
    if (extraSource.length) p.push(`source has unknown field(s) ${extraSource.map((k) => JSON.stringify(k)).join(', ')}`);
    if ('commit' in source && (typeof source.commit !== 'string' || !COMMIT.test(source.commit))) {
      p.push('source.commit must be a lowercase hex git commit id');
    }
  }
  if ('chart' in value) p.push(...chartPinProblems(value.chart));
  p.push(...fileListProblems(value.files, [MANIFEST_FILE, SIGNATURE_FILE]));
  return p;
}

function chartPinProblems(chart: unknown): Problem[] {
  if (!isPlainObject(chart)) return ['chart must be an object'];
  const p: Problem[] = [];
  const extra = unknownKeys(chart, ['name', 'version', 'sha256']);
  if (extra.length) p.push(`chart has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  if (typeof chart.name !== 'string' || !NAME.test(chart.name)) p.push(`chart.name must be a name (${NAME.source})`);
  if (typeof chart.version !== 'string' || !RELEASE.test(chart.version)) p.push(`chart.version must be a version (${RELEASE.source})`);
  if (typeof chart.sha256 !== 'string' || !SHA256.test(chart.sha256)) p.push('chart.sha256 must be a lowercase sha256 hex digest');
  return p;
}

/** Problems of a `files` list: `{path, sha256, size}` entries, sorted by path, each once, none of `reserved`. */
export function fileListProblems(files: unknown, reserved: readonly string[]): Problem[] {
  const p: Problem[] = [];
  if (!Array.isArray(files)) p.push('files must be an array');
  else {
    let previousPath: string | undefined;
    files.forEach((f: unknown, i) => {
      const at = `files[${i}]`;
      if (!isPlainObject(f)) return void p.push(`${at} must be an object`);
      const extraFile = unknownKeys(f, ['path', 'sha256', 'size']);
      if (extraFile.length) p.push(`${at} has unknown field(s) ${extraFile.map((k) => JSON.stringify(k)).join(', ')}`);
      if (typeof f.path !== 'string') p.push(`${at}.path must be a string`);
      else {
        const problem = pathProblem(f.path);
        if (problem) p.push(`${at}.path ${problem}`);
        else if (reserved.includes(f.path)) p.push(`${at}.path must not be ${f.path}`);
        if (previousPath !== undefined && comparePaths(previousPath, f.path) >= 0) {
          p.push(`${at}.path is out of order or repeated (files must be sorted by path, each once)`);
        }
        previousPath = f.path;
      }
      if (typeof f.sha256 !== 'string' || !SHA256.test(f.sha256)) p.push(`${at}.sha256 must be a lowercase sha256 hex digest`);
      if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) p.push(`${at}.size must be a non-negative integer`);
    });
  }
  return p;
}

/** A copy holding exactly the manifest's fields (and no `source.commit` when it is undefined). */
function normalized(m: ReleaseManifest): ReleaseManifest {
  return {
    apiVersion: m.apiVersion,
    kind: m.kind,
    environment: m.environment,
    release: m.release,
    mode: m.mode,
    provider: m.provider,
    runtime: m.runtime,
    sequence: m.sequence,
    previous: m.previous,
    source: m.source.commit === undefined ? {} : { commit: m.source.commit },
    files: m.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
    ...(m.chart ? { chart: { name: m.chart.name, version: m.chart.version, sha256: m.chart.sha256 } } : {}),
  };
}

/** RFC 8785 canonical JSON of any JSON value, as UTF-8 bytes. */
export function canonicalJson(value: unknown): Uint8Array {
  const text = canonicalize(value);
  if (text === undefined) throw new BugError('canonicalize returned undefined');
  return new TextEncoder().encode(text);
}

/** The exact bytes of release.json: RFC 8785 canonical JSON, UTF-8, no trailing newline. */
export function manifestBytes(m: ReleaseManifest): Uint8Array {
  const clean = normalized(m);
  const problems = manifestProblems(clean);
  if (problems.length) throw new BugError(`refusing to write an invalid release manifest: ${problems.join('; ')}`);
  return canonicalJson(clean);
}

/**
 * Read release.json. Anything that is not a valid manifest in canonical form is an
 * IntegrityError (the file is signed output; a bad one was tampered with or damaged).
 * `what` names the file in messages.
 */
export function parseManifest(bytes: Uint8Array, what = MANIFEST_FILE): ReleaseManifest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new IntegrityError(`${what} is not valid UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new IntegrityError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
  const problems = manifestProblems(value);
  if (problems.length) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    throw new IntegrityError(`${what} is not a valid release manifest: ${shown}`);
  }
  const manifest = value as ReleaseManifest;
  const canonical = canonicalJson(manifest);
  if (!bytesEqual(canonical, bytes)) {
    throw new IntegrityError(`${what} is not in canonical form (RFC 8785, no trailing newline); Slipway never writes it so`);
  }
  return manifest;
}
