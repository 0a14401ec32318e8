import { generators, type EnvironmentGenerator, type GenerateContext, type ProducedFile } from '../../generators/registry.js';
import { compareText, type Diagnostic } from '../core/diagnostics.js';
import { BugError } from '../core/errors.js';
import { EXTRA_FOLDER, type OutputFile } from '../core/output-file.js';
import type { BlockReason, ProjectModel, ResolvedEnvironment } from '../model/index.js';

export type { ProducedFile } from '../../generators/registry.js';

/**
 * The generate stage: runs the registered generators, and nothing else. The registry is the only
 * place the core learns of a generator; this engine decides the order (`dependsOn`), hands each one
 * the files of those it depends on, and refuses two generators writing one path.
 */

/** Environment generators in the order they run: each after what it depends on, ties in registry order. */
const environmentOrder: readonly EnvironmentGenerator[] = runOrder(Object.values(generators.environment));

/** What would stop an environment from rendering, from the checks of every generator that applies to it. */
export function checkEnvironment(model: ResolvedEnvironment): Diagnostic[] {
  return environmentOrder.flatMap((generator) => (generator.check && generator.appliesTo(model) ? generator.check(model) : []));
}

export interface GenerateOptions {
  /** For `slipway plan` of a blocked target: the runbook then says why nothing is rendered. */
  blockReasons?: readonly BlockReason[];
}

/** The files of one environment folder (paths relative to `environments/<env>/`), sorted, each with its generator. */
export function generateEnvironment(model: ResolvedEnvironment, options: GenerateOptions = {}): ProducedFile[] {
  const byGenerator = new Map<string, ProducedFile[]>();
  for (const generator of environmentOrder) {
    if (!generator.appliesTo(model)) continue;
    const context: GenerateContext = { produced: producedFor(generator, byGenerator), blockReasons: options.blockReasons ?? [] };
    const described = { name: generator.name, description: generator.description };
    byGenerator.set(
      generator.name,
      generator.generate(model, context).map((file) => ({ path: file.path, bytes: file.bytes, generator: described })),
    );
  }
  return checkedFiles([...byGenerator.values()].flat(), `environment ${model.name}`);
}

/** The files of the output root (index.json, README.md, policies, the chart) from every environment's verdict. */
export function generateProjectFiles(model: ProjectModel): OutputFile[] {
  const files = Object.values(generators.project).flatMap((generator) => (generator.appliesTo(model) ? generator.generate(model) : []));
  return checkedFiles(files, 'the project');
}

/**
 * The shared chart's files exactly as the project generators write them, paths relative to
 * `charts/<name>/`: what an environment's manifest pins.
 */
export function sharedChartFiles(model: ProjectModel): Map<string, Uint8Array> {
  const prefix = `charts/${model.chart.name}/`;
  return new Map(generators.project.chart.generate(model).map((file) => [file.path.slice(prefix.length), file.bytes] as const));
}

/** A generator sees the files of what it depends on, in the order they were rendered. */
function producedFor(generator: EnvironmentGenerator, byGenerator: ReadonlyMap<string, ProducedFile[]>): ProducedFile[] {
  if (generator.dependsOn === 'all') return [...byGenerator.values()].flat();
  return (generator.dependsOn ?? []).flatMap((name) => byGenerator.get(name) ?? []);
}

function runOrder(all: readonly EnvironmentGenerator[]): EnvironmentGenerator[] {
  const names = new Set(all.map((generator) => generator.name));
  const dependencies = (generator: EnvironmentGenerator): string[] =>
    generator.dependsOn === 'all' ? all.filter((other) => other !== generator && other.dependsOn !== 'all').map((other) => other.name) : [...(generator.dependsOn ?? [])];
  for (const generator of all) {
    const unknown = dependencies(generator).filter((name) => !names.has(name));
    if (unknown.length > 0) throw new BugError(`generator ${generator.name} depends on unknown generators: ${unknown.join(', ')}`);
  }
  const ordered: EnvironmentGenerator[] = [];
  const placed = new Set<string>();
  while (ordered.length < all.length) {
    const next = all.find((generator) => !placed.has(generator.name) && dependencies(generator).every((name) => placed.has(name)));
    if (!next) throw new BugError(`generators depend on each other in a cycle: ${all.filter((generator) => !placed.has(generator.name)).map((generator) => generator.name).join(', ')}`);
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}

/** Two generators writing one path, or a path escaping its folder, is a bug in Slipway, never silently resolved. */
function checkedFiles<T extends OutputFile>(files: T[], owner: string): T[] {
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new BugError(`two generators wrote ${file.path} for ${owner}`);
    if (file.path.startsWith('/') || file.path.split('/').some((segment) => segment === '..' || segment === '' || segment === '.')) {
      throw new BugError(`generator produced an unsafe path ${JSON.stringify(file.path)} for ${owner}`);
    }
    // Both an environment's folder and the root keep extra/ for the owners' hand-written files.
    if (file.path.startsWith(`${EXTRA_FOLDER}/`)) throw new BugError(`generator wrote ${file.path} for ${owner}: ${EXTRA_FOLDER}/ holds hand-written files only`);
    seen.add(file.path);
  }
  return [...files].sort((a, b) => compareText(a.path, b.path));
}
