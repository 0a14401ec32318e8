import { createTwoFilesPatch } from 'diff';
import { compareText } from '../core/diagnostics.js';
import { sha256Hex } from '../core/digest.js';
import { assessRisks, type EnvironmentFiles } from './risks/index.js';
import type { Risk } from './risks/types.js';
import { compareSops, isSopsFile, redactCiphertext, type SopsComparison } from './sops.js';
import { environmentFolderPaths, folderFiles, isManaged, parseLoosely, readIndex, type FileMap, type IndexEntry } from '../deploy-repo/index.js';
import { decodeUtf8 } from './text.js';

export type EnvironmentStatus = 'added' | 'changed' | 'removed' | 'blocked' | 'unchanged';

export interface FileDiff {
  /** Path relative to the output root. */
  path: string;
  change: 'added' | 'removed' | 'modified';
  kind: 'text' | 'secrets' | 'manifest' | 'signature' | 'binary';
  /** Unified diff (text files only), ciphertext redacted. */
  patch?: string;
  linesAdded: number;
  linesRemoved: number;
  secrets?: SopsComparison;
  /** One line for files summarised rather than diffed (manifest, signature, binary). */
  summary?: string;
}

export interface EnvironmentDiff {
  name: string;
  status: EnvironmentStatus;
  /** Blocked now but not before. */
  newlyBlocked: boolean;
  blockReasons: string[];
  release: { old: string | null; new: string | null };
  files: FileDiff[];
}

export interface DiffReport {
  against: string;
  environments: EnvironmentDiff[];
  /** Slipway's files outside `environments/` (index.json, README.md, api/…); the repo's own files are not compared. */
  project: FileDiff[];
  risks: Risk[];
  counts: Record<EnvironmentStatus, number>;
}

/**
 * Compares two complete output trees: `old` is the deploy repository, `new` the fresh build.
 * `unchanged` names environments known to be the same on both sides (taken from the deploy state
 * as they are): they are reported unchanged with no file of theirs read, and the new tree need not
 * hold them. Pure: everything it reports is derived from its arguments, so it can be tested with
 * hand-made trees. Files are asked for by path, so an old tree read lazily (`GitFileMap`) loads only
 * the folders compared.
 */
export function compareTrees(against: string, oldFiles: FileMap, newFiles: FileMap, unchanged: ReadonlySet<string> = new Set()): DiffReport {
  const oldIndex = readIndex(oldFiles);
  const newIndex = readIndex(newFiles);
  const oldPaths = environmentFolderPaths(oldFiles);
  const newPaths = environmentFolderPaths(newFiles);
  const names = [...new Set([...oldIndex.keys(), ...newIndex.keys(), ...oldPaths.keys(), ...newPaths.keys()])].sort(compareText);
  const pairs = names.map((name) => ({
    name,
    old: unchanged.has(name) ? releaseFiles(oldFiles, name) : folderFiles(oldFiles, oldPaths.get(name)),
    new: unchanged.has(name) ? releaseFiles(oldFiles, name) : folderFiles(newFiles, newPaths.get(name)),
    ...(oldIndex.has(name) ? { oldEntry: oldIndex.get(name)! } : {}),
    ...(newIndex.has(name) ? { newEntry: newIndex.get(name)! } : {}),
  }));
  const environments = pairs.map(environmentDiff);
  const projectPaths = [...new Set([...oldFiles.keys(), ...newFiles.keys()])].filter((path) => isManaged(path) && !path.startsWith('environments/')).sort(compareText);
  const project = projectPaths.flatMap((path) => fileDiff(path, oldFiles.get(path), newFiles.get(path)) ?? []);
  const counts: Record<EnvironmentStatus, number> = { added: 0, changed: 0, removed: 0, blocked: 0, unchanged: 0 };
  for (const environment of environments) counts[environment.status]++;
  // Only environments that differ are assessed: the cost follows the change, not the project's size.
  const risks = assessRisks(pairs.filter((_, i) => environments[i]!.status !== 'unchanged'));
  return { against, environments, project, risks, counts };
}

/** What an unchanged environment's report needs of its folder: the manifest that names its release. */
function releaseFiles(files: FileMap, name: string): Map<string, Uint8Array> {
  const manifest = files.get(`environments/${name}/release.json`);
  return new Map(manifest ? [['release.json', manifest]] : []);
}

function environmentDiff({ name, old: before, new: after, oldEntry, newEntry }: EnvironmentFiles): EnvironmentDiff {
  const prefix = `environments/${name}/`;
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort(compareText);
  const files = paths.flatMap((path) => fileDiff(prefix + path, before.get(path), after.get(path)) ?? []);
  const blocked = newEntry?.status === 'blocked';
  let status: EnvironmentStatus;
  if (!newEntry && after.size === 0) status = 'removed';
  else if (blocked) status = 'blocked';
  else if (before.size === 0) status = 'added';
  else status = files.length > 0 ? 'changed' : 'unchanged';
  return {
    name,
    status,
    newlyBlocked: blocked && oldEntry?.status !== 'blocked',
    blockReasons: blocked ? newEntry!.blockReasons.map((reason) => reason.message) : [],
    release: { old: releaseOf(before, oldEntry), new: status === 'removed' ? null : releaseOf(after, newEntry) },
    files,
  };
}

function releaseOf(folder: ReadonlyMap<string, Uint8Array>, entry: IndexEntry | undefined): string | null {
  const manifest = parseLoosely(folder.get('release.json'));
  if (typeof manifest?.release === 'string') return manifest.release;
  return entry?.release ?? null;
}

/** The difference of one file, or undefined when both sides are byte-identical. */
function fileDiff(path: string, before: Uint8Array | undefined, after: Uint8Array | undefined): FileDiff | undefined {
  if (before && after && Buffer.compare(before, after) === 0) return undefined;
  if (!before && !after) return undefined;
  const change = !before ? 'added' : !after ? 'removed' : 'modified';
  const base = { path, change, linesAdded: 0, linesRemoved: 0 } as const;
  const name = path.split('/').at(-1) ?? path;
  if (name === 'release.json') return { ...base, kind: 'manifest', summary: manifestSummary(before, after) };
  if (name === 'release.json.sig') return { ...base, kind: 'signature', summary: signatureSummary(before, after) };
  if ((before && isSopsFile(path, before)) || (after && isSopsFile(path, after))) {
    return { ...base, kind: 'secrets', secrets: compareSops(path, before, after) };
  }
  const oldText = decodeText(before);
  const newText = decodeText(after);
  if (oldText === undefined || newText === undefined) {
    return { ...base, kind: 'binary', summary: `binary file, ${before?.length ?? 0} → ${after?.length ?? 0} bytes` };
  }
  // jsdiff starts with a `====` separator line; the `---`/`+++` headers that follow suffice.
  const patch = redactCiphertext(
    createTwoFilesPatch(before ? `a/${path}` : '/dev/null', after ? `b/${path}` : '/dev/null', oldText, newText, undefined, undefined, { context: 3 }),
  ).replace(/^(Index: [^\n]*\n)?=+\n/, '');
  let linesAdded = 0;
  let linesRemoved = 0;
  for (const line of patch.split('\n').slice(2)) {
    if (line.startsWith('+')) linesAdded++;
    else if (line.startsWith('-')) linesRemoved++;
  }
  return { ...base, kind: 'text', patch, linesAdded, linesRemoved };
}

function decodeText(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return '';
  return bytes.includes(0) ? undefined : decodeUtf8(bytes);
}

function manifestSummary(before: Uint8Array | undefined, after: Uint8Array | undefined): string {
  const a = parseLoosely(before);
  const b = parseLoosely(after);
  const files = (m: Record<string, unknown> | undefined) => (Array.isArray(m?.files) ? m.files.length : 0);
  if (!b) return `manifest removed (release ${String(a?.release ?? '?')}, sequence ${String(a?.sequence ?? '?')})`;
  if (!a) return `new manifest: release ${String(b.release)}, sequence ${String(b.sequence)}, ${files(b)} files listed`;
  const parts: string[] = [];
  parts.push(a.release === b.release ? `release ${String(b.release)}` : `release ${String(a.release)} → ${String(b.release)}`);
  parts.push(`sequence ${String(a.sequence)} → ${String(b.sequence)}`);
  if (files(a) !== files(b)) parts.push(`${files(a)} → ${files(b)} files listed`);
  else parts.push(`${files(b)} files listed`);
  const chained = b.previous === sha256Hex(before!);
  parts.push(chained ? 'chained to the manifest it replaces' : 'NOT chained to the manifest it replaces');
  return parts.join(', ');
}

function signatureSummary(before: Uint8Array | undefined, after: Uint8Array | undefined): string {
  if (!after) return 'signature not in this preview: the build on the main branch signs the new manifest';
  if (!before) return 'signed';
  return 'signature replaced';
}
