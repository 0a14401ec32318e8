import { environmentGenerators, projectGenerators, type EnvironmentSummary, type ProjectModel } from '../../generators/registry.js';
import type { OutputFile } from '../core/output-file.js';
import { BugError } from '../core/errors.js';
import type { Project, Target } from '../model/index.js';
import { compareText } from '../core/diagnostics.js';
import { resolveChart } from '../resolve/chart.js';

/** The files of one environment folder, paths relative to `environments/<env>/`. */
export function generateEnvironment(target: Target): OutputFile[] {
  const model = target.model;
  if (!model || target.status !== 'ready') throw new BugError(`generateEnvironment called for ${target.name} in state ${target.status}`);
  const files: OutputFile[] = [];
  for (const generator of environmentGenerators) {
    if (generator.appliesTo(model)) files.push(...generator.generate(model));
  }
  return checkedFiles(files, `environment ${target.name}`);
}

export function projectModel(project: Project, targets: Target[], manifestDigests: ReadonlyMap<string, string>): ProjectModel {
  const environments: EnvironmentSummary[] = targets
    .filter((target) => target.model && target.status !== 'invalid')
    .map((target) => {
      const model = target.model!;
      return {
        name: target.name,
        mode: model.mode,
        tier: model.tier,
        provider: model.provider,
        runtime: model.runtime,
        release: model.input.release,
        status: target.status as 'ready' | 'blocked',
        blockReasons: target.blockReasons,
        manifestSha256: manifestDigests.get(target.name) ?? null,
      };
    })
    .sort((a, b) => compareText(a.name, b.name));
  const { target, provisioning, secrets, attestation } = project.policies;
  return { environments, policies: { target, provisioning, secrets, attestation }, chart: resolveChart(project.settings?.value) };
}

export function generateProjectFiles(model: ProjectModel): OutputFile[] {
  return checkedFiles(
    projectGenerators.flatMap((generator) => generator.generate(model)),
    'the project',
  );
}

/** Two generators writing one path, or a path escaping its folder, is a bug in Slipway, never silently resolved. */
function checkedFiles(files: OutputFile[], owner: string): OutputFile[] {
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new BugError(`two generators wrote ${file.path} for ${owner}`);
    if (file.path.startsWith('/') || file.path.split('/').some((segment) => segment === '..' || segment === '' || segment === '.')) {
      throw new BugError(`generator produced an unsafe path ${JSON.stringify(file.path)} for ${owner}`);
    }
    seen.add(file.path);
  }
  return [...files].sort((a, b) => compareText(a.path, b.path));
}
