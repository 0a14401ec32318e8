import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { compareText, type Diagnostic } from '../core/diagnostics.js';
import { sha256Hex } from '../core/digest.js';
import { listFolder, readInputBytes } from '../load/read-files.js';
import { codeFingerprint } from './code.js';
import { digestByStatus, settledMs, type FileStatuses } from './file-status.js';

export { knownStatuses, type FileStatuses } from './file-status.js';

/**
 * Fingerprints of the source tree as raw bytes, read with the same reader and policy as the load
 * stage but not parsed: what decides whether an environment's folder from the previous build is
 * still what this build would render.
 */
export interface SourceDigests {
  /** Everything every environment depends on: code, settings, services, policies, trusted keys, and how this build signs and chains. */
  shared: string;
  /** Per environment file found: the digest of its file and of its secrets file. */
  environments: Map<string, { file: string; secrets: string }>;
  /** Per release file: its digest. */
  releases: Map<string, string>;
  /** The digests the next digest of this tree may take on the files' status alone (see `FileStatuses`). */
  statuses: FileStatuses;
}

/** How a build signs and what it chains to: part of every environment's inputs. */
export interface BuildContext {
  /** The signing key's id, or undefined for an unsigned build. */
  signingKeyId?: string;
  sourceCommit?: string;
  /** sha256 of the previous root manifest and its signature (`--previous`), when there is one. */
  previousRoot?: string;
}

const policyFiles = ['target-policy', 'provisioning-policy', 'secrets-policy', 'attestation-policy'];

/**
 * `known`: statuses from the previous digest of the tree (its build record). `settledBefore`: files
 * whose times are both before it go into the result's statuses (a test moves it).
 */
export function digestSource(root: string, context: BuildContext, known?: FileStatuses, settledBefore = Date.now() - settledMs): SourceDigests {
  const ignored: Diagnostic[] = [];
  const statuses = Object.create(null) as FileStatuses;
  const fileDigest = (root: string, relativePath: string) => digestOf(root, relativePath, known, statuses, settledBefore);
  const shared = createHash('sha256');
  const add = (label: string, value: string) => shared.update(`${label}\0${value}\0`);
  add('format', 'slipway-build-inputs/1');
  // The package's own files are taken by status too, under keys no path of the tree can have.
  const code = codeFingerprint(known, settledBefore);
  Object.assign(statuses, code.statuses);
  add('code', code.fingerprint);
  add('signing', context.signingKeyId ?? 'unsigned');
  add('commit', context.sourceCommit ?? '');
  add('previous-root', context.previousRoot ?? '');
  add('slipway.yaml', fileDigest(root, 'slipway.yaml'));
  for (const entry of sortedEntries(listFolder(root, 'services', ignored))) {
    add(`services/${entry.name}`, `${entry.kind}:${fileDigest(root, `services/${entry.name}/service.json`)}`);
    // Config files a service mounts live in its folder: a change to any file there may change the output.
    if (entry.kind === 'folder') for (const path of folderFiles(root, `services/${entry.name}`, ignored)) add(path, fileDigest(root, path));
  }
  for (const name of policyFiles) add(name, fileDigest(root, `policies/${name}.yaml`));
  for (const entry of sortedEntries(listFolder(root, 'keys', ignored))) add(`keys/${entry.name}`, entry.kind === 'file' ? fileDigest(root, `keys/${entry.name}`) : entry.kind);
  // Add-on values are checked against vendored charts' schemas: a changed schema changes the findings.
  for (const entry of sortedEntries(listFolder(root, 'vendor/charts', ignored))) add(`vendor/charts/${entry.name}`, entry.kind === 'folder' ? ['values.schema.json', 'values.yaml'].map((file) => fileDigest(root, `vendor/charts/${entry.name}/${file}`)).join(',') : entry.kind);
  // Patches, manifests and Compose overrides live in folders of environments/ and in overlays/: any
  // change there renders every environment again (coarse, and never stale).
  for (const entry of sortedEntries(listFolder(root, 'environments', ignored))) if (entry.kind === 'folder') addFolder(root, `environments/${entry.name}`, add, fileDigest, ignored);
  addFolder(root, 'overlays', add, fileDigest, ignored);
  // A listing the load stage would report on (a refused folder) leaves its trace here too.
  add('listing', JSON.stringify(ignored.map((finding) => [finding.code, finding.file])));

  const environments = new Map<string, { file: string; secrets: string }>();
  for (const entry of sortedEntries(listFolder(root, 'environments', ignored))) {
    if (!entry.name.endsWith('.yaml')) continue;
    const name = entry.name.slice(0, -'.yaml'.length);
    environments.set(name, { file: fileDigest(root, `environments/${entry.name}`), secrets: fileDigest(root, `secrets/${name}.sops.yaml`) });
  }
  const releases = new Map<string, string>();
  for (const entry of sortedEntries(listFolder(root, 'releases', ignored))) {
    if (entry.name.endsWith('.yaml')) releases.set(entry.name.slice(0, -'.yaml'.length), fileDigest(root, `releases/${entry.name}`));
  }
  return { shared: shared.digest('hex'), environments, releases, statuses };
}

/** Every file under a folder of the tree, sorted, but the service.json already digested. */
function folderFiles(root: string, folder: string, ignored: Diagnostic[], depth = 0): string[] {
  if (depth > 8) return [];
  return sortedEntries(listFolder(root, folder, ignored)).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.kind === 'folder') return folderFiles(root, path, ignored, depth + 1);
    return depth === 0 && entry.name === 'service.json' ? [] : [path];
  });
}

/**
 * sha256 of a file's bytes; `absent`, or the code of the reader's refusal, when there are none. A
 * regular file whose status `known` gives is taken at its recorded digest unread; one read whose
 * times are settled goes into `statuses`.
 */
function digestOf(root: string, relativePath: string, known: FileStatuses | undefined, statuses: FileStatuses, settledBefore: number): string {
  // The common case, a regular file of a sane size that is not a link, in one open (an environment
  // build looks at thousands) or none; anything else through the reader, whose refusal (a link out
  // of the tree, a FIFO, a device) the load stage reports.
  const direct = digestByStatus(join(root, relativePath), relativePath, known, statuses, settledBefore);
  if (direct !== undefined) return direct;
  const read = readInputBytes(root, relativePath, relativePath);
  if (read.kind === 'absent') return 'absent';
  if (read.kind === 'refused') return `refused:${read.diagnostic.code}`;
  return sha256Hex(read.bytes);
}

/** Every file under a folder of the tree, by path, a few levels deep (deeper than any layout of extras needs). */
function addFolder(
  root: string,
  folder: string,
  add: (label: string, value: string) => void,
  fileDigest: (root: string, relativePath: string) => string,
  ignored: Diagnostic[],
  depth = 0,
): void {
  for (const entry of sortedEntries(listFolder(root, folder, ignored))) {
    const path = `${folder}/${entry.name}`;
    if (entry.kind === 'folder' && depth < 8) addFolder(root, path, add, fileDigest, ignored, depth + 1);
    else add(path, entry.kind === 'file' ? fileDigest(root, path) : entry.kind);
  }
}

function sortedEntries<T extends { name: string }>(entries: T[]): T[] {
  return [...entries].sort((a, b) => compareText(a.name, b.name));
}

/** What one environment's folder depends on beyond the shared inputs. */
export interface EnvironmentInputs {
  file: string;
  secrets: string;
  /** The digest of the release file it names. */
  release: string;
  /** sha256 of the previous release.json and its signature it chains to. */
  previous: string;
}

export function environmentKey(shared: string, inputs: EnvironmentInputs): string {
  return createHash('sha256').update(JSON.stringify([shared, inputs.file, inputs.secrets, inputs.release, inputs.previous])).digest('hex');
}
