import { sha256Hex } from '../core/digest.js';
import type { OutputFile } from '../core/output-file.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { verdictWindow } from '../gate/index.js';
import type { Project, Target } from '../model/index.js';
import { environmentKey, type SourceDigests } from './inputs.js';
import type { ReuseContext, ReusePlan } from './plan.js';
import { recordFormat, type BuildRecord, type RecordedEnvironment, type RecordedVerdict } from './record.js';

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

/** A validation that ran to its end, as the verdicts remembered of it see it. */
export interface FinishedValidation {
  project: Project;
  targets: readonly Target[];
  diagnostics: readonly Diagnostic[];
}

/**
 * What to remember of a validation: per environment that was not invalid, the key of its inputs
 * and its verdict (those taken from `reused` as they were recorded), and how many findings sit at
 * files no single environment owns.
 */
export function rememberVerdicts(
  digests: SourceDigests,
  reused: ReadonlyMap<string, RecordedVerdict>,
  validation: FinishedValidation,
  context: Pick<ReuseContext, 'now' | 'previousOf'>,
): { verdicts: Map<string, RecordedVerdict>; sharedFindings: number } {
  const findingsAt = new Map<string, Diagnostic[]>();
  for (const finding of validation.diagnostics) {
    const list = findingsAt.get(finding.file);
    if (list) list.push(finding);
    else findingsAt.set(finding.file, [finding]);
  }
  const owned = new Set<string>();
  const verdicts = new Map<string, RecordedVerdict>();
  for (const target of validation.targets) {
    if (target.status === 'invalid') continue;
    owned.add(`environments/${target.name}.yaml`);
    owned.add(`secrets/${target.name}.sops.yaml`);
    const files = digests.environments.get(target.name);
    if (!files || !target.summary) continue;
    const earlier = reused.get(target.name);
    const release = earlier?.release ?? target.model?.release.version;
    const window = earlier?.window ?? (target.model ? verdictWindow(validation.project, target.model, context.now) : undefined);
    if (release === undefined || window === undefined) continue;
    verdicts.set(target.name, {
      // A reused verdict's key was just found equal to its inputs' (`verdictHolds`): no need to make it again.
      key: earlier?.key ?? environmentKey(digests.shared, { ...files, release: digests.releases.get(release) ?? 'absent', previous: context.previousOf(target.name) }),
      release,
      window,
      ...(target.status === 'blocked' ? { status: 'blocked' as const, blockReasons: target.blockReasons } : {}),
      summary: target.summary,
      findings: [...(findingsAt.get(`environments/${target.name}.yaml`) ?? []), ...(findingsAt.get(`secrets/${target.name}.sops.yaml`) ?? [])],
    });
  }
  return { verdicts, sharedFindings: validation.diagnostics.filter((finding) => !owned.has(finding.file)).length };
}

/** The record of a full build that succeeded, for the next build into the same `--out`. */
export function rememberBuild(plan: ReusePlan, build: FinishedBuild, context: ReuseContext): BuildRecord {
  const changed = new Set(build.changedEnvironments);
  const { verdicts, sharedFindings } = rememberVerdicts(plan.digests, plan.reused, build, context);
  const environments: Record<string, RecordedEnvironment> = {};
  for (const [name, verdict] of verdicts) {
    const manifestSha256 = build.manifestDigests.get(name) ?? null;
    const blocked = verdict.status === 'blocked';
    // A blocked target that keeps a folder from --previous is judged again on every build (what it keeps may change).
    if (blocked ? manifestSha256 !== null : manifestSha256 === null) continue;
    const size = blocked ? 0 : (build.folderSizes.get(name) ?? plan.reused.get(name)?.files);
    if (size === undefined) continue;
    environments[name] = { ...verdict, manifestSha256, files: size, changed: changed.has(name) };
  }
  const rootFile = (path: string) => build.rootFiles.find((file) => file.path === path);
  const index = rootFile('index.json');
  const releaseIndex = rootFile('release-index.json');
  return {
    format: recordFormat,
    shared: plan.digests.shared,
    sharedFindings,
    root: { index: index ? sha256Hex(index.bytes) : '', releaseIndex: releaseIndex ? sha256Hex(releaseIndex.bytes) : null },
    environments,
    inputs: plan.digests.statuses,
  };
}
