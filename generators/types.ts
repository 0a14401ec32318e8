import type { Diagnostic } from '../src/core/diagnostics.js';
import type { OutputFile } from '../src/core/output-file.js';
import type { BlockReason, ProjectModel, ResolvedEnvironment } from '../src/model/index.js';

export type { EnvironmentSummary, ProjectModel } from '../src/model/index.js';

/** Renders files of the output root from the whole project's verdicts. */
export interface ProjectGenerator {
  name: string;
  scope: 'project';
  /** What it renders, in a few words: the root README lists it. */
  description: string;
  /** Whether it renders anything for this project. */
  appliesTo(model: ProjectModel): boolean;
  generate(model: ProjectModel): OutputFile[];
}

/** A file of an environment folder, with the generator that rendered it. */
export interface ProducedFile extends OutputFile {
  generator: { name: string; description: string };
}

/** What the engine hands an environment generator beside the model. */
export interface GenerateContext {
  /** The files already rendered for this environment by the generators this one `dependsOn`, in the order they ran. */
  produced: readonly ProducedFile[];
  /** Why the target is blocked: set only when a plan is rendered for a blocked target (`slipway plan`). */
  blockReasons: readonly BlockReason[];
}

/**
 * Renders files inside `environments/<env>/` for one environment that is not blocked. A pure
 * function of the resolved model: no input files, clock, network or randomness.
 */
export interface EnvironmentGenerator {
  name: string;
  scope: 'environment';
  /** What it renders, in a few words: the environment's README lists it beside its files. */
  description: string;
  /**
   * Generators whose files this one reads from `context.produced`: they run first. `'all'` runs it
   * after every other generator and hands it all their files (the runbook, which lists them).
   */
  dependsOn?: readonly string[] | 'all';
  appliesTo(environment: ResolvedEnvironment): boolean;
  /**
   * What would stop this generator from rendering the environment, as located findings (errors);
   * run for every target it applies to before anything is generated. `generate` may then assume
   * none of these hold, and treat one that does as a bug.
   */
  check?(environment: ResolvedEnvironment): Diagnostic[];
  generate(environment: ResolvedEnvironment, context: GenerateContext): OutputFile[];
}

export type Generator = ProjectGenerator | EnvironmentGenerator;
