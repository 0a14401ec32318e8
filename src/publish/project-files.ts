import { parse } from 'yaml';
import type { OutputFile } from '../core/output-file.js';
import { compareText } from '../core/diagnostics.js';
import type { IndexEntry } from '../deploy-repo/index.js';
import { BugError } from '../core/errors.js';
import { generateProjectFiles } from '../generate/index.js';
import { type BlockReason, defaultChart, type EnvironmentSummary, type ProjectModel } from '../model/index.js';
import type { BuiltOutput } from './output.js';

const REGENERATED = ['index.json', 'README.md'] as const;

/**
 * `index.json` and `README.md` for the tree actually committed. They summarise every environment,
 * so when a publish keeps some folders from the repo (a later publish changed them, or the target
 * is blocked), the build's copies would describe folders that are not there. Then index.json is
 * the build's document with the kept environments' entries swapped in (the repo's own entry when it
 * describes the kept folder), and README.md is rendered again from those entries by the readme
 * generator; otherwise the build's bytes are used as they are.
 */
export function projectFiles(output: BuiltOutput, kept: ReadonlyMap<string, IndexEntry>): OutputFile[] {
  if (kept.size === 0) {
    return REGENERATED.flatMap((path) => (output.files.has(path) ? [{ path, bytes: output.files.get(path)! }] : []));
  }
  const entries = [...output.index.values()].map((entry) => kept.get(entry.name) ?? entry).sort((a, b) => compareText(a.name, b.name));
  const model: ProjectModel = { environments: entries.map(summary), policies: policies(output), chart: chart(output) };
  const rendered = generateProjectFiles(model);
  return REGENERATED.map((path) => {
    const file = rendered.find((candidate) => candidate.path === path);
    if (!file) throw new BugError(`the project generators no longer write ${path}`);
    return file;
  });
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
