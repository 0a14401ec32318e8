import { parse } from 'yaml';
import type { OutputFile } from '../core/output-file.js';
import { compareText } from '../core/diagnostics.js';
import type { IndexEntry } from '../deploy-repo/index.js';
import { sha256Hex } from '../core/digest.js';
import { BugError, PublishError } from '../core/errors.js';
import { bytesEqual } from '../core/signing/pem.js';
import { RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE, releaseIndexFiles, type PreviousReleaseIndex } from '../sign/release-index.js';
import { generateProjectFiles } from '../generate/index.js';
import { type BlockReason, defaultChart, type EnvironmentSummary, type ProjectModel } from '../model/index.js';
import type { BuiltOutput } from './output.js';

const REGENERATED = ['index.json', 'README.md'] as const;

/** What publish needs to sign the root manifest again when the build's cannot be committed as it is. */
export interface RootSigning {
  /** The root manifest the deploy repository holds now. */
  held?: PreviousReleaseIndex;
  /** The release key; without it, a root manifest that must change makes the publish fail. */
  signingSeed?: Uint8Array;
  /** The release keys the deploy repository revokes: the root manifest committed keeps revoking them. */
  revokedKeys?: readonly string[];
}

/**
 * `index.json`, `README.md` and the root manifest for the tree actually committed. They summarise
 * every environment, so when a publish keeps some folders from the repo (a later publish changed
 * them, or the target is blocked), the build's copies would describe folders that are not there.
 * Then index.json is the build's document with the kept environments' entries swapped in (the
 * repo's own entry when it describes the kept folder), README.md is rendered again from those
 * entries by the readme generator, and the root manifest is signed again over them, chained to the
 * repository's. The build's bytes are used as they are when nothing was kept and its root manifest
 * chained to the one the repository holds.
 */
export function projectFiles(output: BuiltOutput, kept: ReadonlyMap<string, IndexEntry>, root: RootSigning = {}): OutputFile[] {
  const built = output.files.get(RELEASE_INDEX_FILE)!;
  const chained = root.held ? bytesEqual(root.held.manifest, built) || output.releaseIndex.previous === sha256Hex(root.held.manifest) : output.releaseIndex.previous === null;
  // Revocations are never dropped: an output that leaves out one the repository holds gets a root manifest that keeps it.
  const revokedKeys = [...new Set([...(output.releaseIndex.revokedKeys ?? []), ...(root.revokedKeys ?? [])])].sort();
  const revokesAll = (root.revokedKeys ?? []).every((id) => output.releaseIndex.revokedKeys?.includes(id));
  if (kept.size === 0 && chained && revokesAll) {
    return [...REGENERATED, RELEASE_INDEX_FILE, RELEASE_INDEX_SIGNATURE_FILE].flatMap((path) => (output.files.has(path) ? [{ path, bytes: output.files.get(path)! }] : []));
  }
  if (!root.signingSeed) {
    const why =
      kept.size > 0
        ? `it keeps ${[...kept.keys()].join(', ')} as the deploy repository has them`
        : !chained
          ? 'the deploy repository\'s root manifest changed since this build'
          : `the deploy repository revokes key ${(root.revokedKeys ?? []).filter((id) => !output.releaseIndex.revokedKeys?.includes(id)).join(', ')}, which this build does not`;
    throw new PublishError(
      `the root manifest (${RELEASE_INDEX_FILE}) must be signed again, since ${why}; pass the release signing key to publish (--signing-key FILE or SLIPWAY_SIGNING_KEY), or build again with --previous pointing at the deploy repository; nothing was published`,
    );
  }
  const entries = [...output.index.values()].map((entry) => kept.get(entry.name) ?? entry).sort((a, b) => compareText(a.name, b.name));
  let documents: OutputFile[] = REGENERATED.flatMap((path) => (output.files.has(path) ? [{ path, bytes: output.files.get(path)! }] : []));
  if (kept.size > 0) {
    const rendered = generateProjectFiles({ environments: entries.map(summary), policies: policies(output), chart: chart(output) });
    documents = REGENERATED.map((path) => {
      const file = rendered.find((candidate) => candidate.path === path);
      if (!file) throw new BugError(`the project generators no longer write ${path}`);
      return file;
    });
  }
  const others = [...output.files]
    .filter(([path]) => !path.startsWith('environments/') && !(REGENERATED as readonly string[]).includes(path) && path !== RELEASE_INDEX_FILE && path !== RELEASE_INDEX_SIGNATURE_FILE)
    .map(([path, bytes]) => ({ path, bytes }));
  const environments = entries.map((entry) => ({ name: entry.name, status: entry.status === 'blocked' ? ('blocked' as const) : ('ready' as const), manifestSha256: entry.manifestSha256 }));
  const signed = releaseIndexFiles([...others, ...documents], environments, { ...(root.held ? { previous: root.held } : {}), signingSeed: root.signingSeed, revokedKeys });
  return [...documents, ...signed];
}

function summary(entry: IndexEntry): EnvironmentSummary {
  return {
    name: entry.name,
    mode: entry.mode ?? '',
    tier: entry.tier ?? '',
    provider: entry.provider ?? '',
    runtime: entry.runtime ?? '',
    release: entry.release ?? '',
    status: entry.status === 'blocked' ? 'blocked' : 'ready',
    // Causes come from index.json, which Slipway wrote from the same union.
    blockReasons: entry.blockReasons.map((reason) => ({ cause: reason.cause as BlockReason['cause'], message: reason.message })),
    manifestSha256: entry.manifestSha256,
  };
}

/** The chart the build copied to `charts/<name>/`, as its Chart.yaml names it. */
function chart(output: BuiltOutput): ProjectModel['chart'] {
  for (const [path, bytes] of output.files) {
    if (!/^charts\/[^/]+\/Chart\.yaml$/.test(path)) continue;
    const doc = parse(new TextDecoder().decode(bytes)) as { name?: unknown; version?: unknown };
    if (typeof doc?.name === 'string' && typeof doc.version === 'string') return { name: doc.name, version: doc.version };
  }
  return defaultChart;
}

/** The policies exactly as the build published them under `api/v1/deployment-server/`. */
function policies(output: BuiltOutput): ProjectModel['policies'] {
  const spec = (kind: string) => {
    const bytes = output.files.get(`api/v1/deployment-server/${kind}-policy.json`);
    if (!bytes) return {};
    const document = JSON.parse(new TextDecoder().decode(bytes)) as { spec?: unknown };
    return (document.spec ?? {}) as object;
  };
  return {
    target: spec('target') as ProjectModel['policies']['target'],
    provisioning: spec('provisioning') as ProjectModel['policies']['provisioning'],
    secrets: spec('secrets') as ProjectModel['policies']['secrets'],
    attestation: spec('attestation') as ProjectModel['policies']['attestation'],
  };
}
