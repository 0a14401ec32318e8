import { sha256Hex } from '../core/digest.js';
import type { OutputFile } from '../core/output-file.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { verdictWindow } from '../gate/index.js';
import type { Project, Target } from '../model/index.js';
import { environmentKey } from './inputs.js';
import type { ReuseContext, ReusePlan } from './plan.js';
import { recordFormat, type BuildRecord, type RecordedEnvironment } from './record.js';

export interface FinishedBuild {
  project: Project;
  targets: readonly Target[];
  diagnostics: readonly Diagnostic[];
  manifestDigests: ReadonlyMap<string, string>;
  /** How many files each environment's folder holds. */
  folderSizes: ReadonlyMap<string, number>;
  changedEnvironments: readonly string[];
  /** The root files as written (index.json, release-index.json among them). */
  rootFiles: readonly OutputFile[];
}

/** The record of a full build that succeeded, for the next build into the same `--out`. */
export function rememberBuild(plan: ReusePlan, build: FinishedBuild, context: ReuseContext): BuildRecord {
  const changed = new Set(build.changedEnvironments);
  const findingsAt = new Map<string, Diagnostic[]>();
  for (const finding of build.diagnostics) {
    const list = findingsAt.get(finding.file);
    if (list) list.push(finding);
    else findingsAt.set(finding.file, [finding]);
  }
  const owned = new Set<string>();
  const environments: Record<string, RecordedEnvironment> = {};
  for (const target of build.targets) {
    if (target.status === 'invalid') continue;
    owned.add(`environments/${target.name}.yaml`);
    owned.add(`secrets/${target.name}.sops.yaml`);
    const manifestSha256 = build.manifestDigests.get(target.name) ?? null;
    const files = plan.digests.environments.get(target.name);
    const blocked = target.status === 'blocked';
    // A blocked target that keeps a folder from --previous is judged again on every build (what it keeps may change).
    if (!files || !target.summary || (blocked ? manifestSha256 !== null : manifestSha256 === null)) continue;
    const reused = plan.reused.get(target.name);
    const release = reused?.release ?? target.model?.release.version;
    const window = reused?.window ?? (target.model ? verdictWindow(build.project, target.model, context.now) : undefined);
    const size = blocked ? 0 : (build.folderSizes.get(target.name) ?? reused?.files);
    if (release === undefined || window === undefined || size === undefined) continue;
    environments[target.name] = {
      key: environmentKey(plan.digests.shared, { ...files, release: plan.digests.releases.get(release) ?? 'absent', previous: context.previousOf(target.name) }),
      release,
      window,
      ...(blocked ? { status: 'blocked' as const, blockReasons: target.blockReasons } : {}),
      summary: target.summary,
      manifestSha256,
      files: size,
      changed: changed.has(target.name),
      findings: [...(findingsAt.get(`environments/${target.name}.yaml`) ?? []), ...(findingsAt.get(`secrets/${target.name}.sops.yaml`) ?? [])],
    };
  }
  const rootFile = (path: string) => build.rootFiles.find((file) => file.path === path);
  const index = rootFile('index.json');
  const releaseIndex = rootFile('release-index.json');
  return {
    format: recordFormat,
    shared: plan.digests.shared,
    sharedFindings: build.diagnostics.filter((finding) => !owned.has(finding.file)).length,
    root: { index: index ? sha256Hex(index.bytes) : '', releaseIndex: releaseIndex ? sha256Hex(releaseIndex.bytes) : null },
    environments,
  };
}
