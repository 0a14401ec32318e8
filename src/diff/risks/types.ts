import type { IndexEntry } from '../../deploy-repo/index.js';

export type RiskCategory = 'data-loss' | 'downtime' | 'security' | 'policy';

export const riskCategories: readonly RiskCategory[] = ['data-loss', 'downtime', 'security', 'policy'];

/** One risky change a reviewer should look at before approving. */
export interface Risk {
  /** The rule that found it (`compose-volume-removed`). */
  rule: string;
  category: RiskCategory;
  environment: string;
  /** Path relative to the environment folder, when one file is the cause. */
  file?: string;
  /** Plain text; every value taken from a rendered file goes through `code()`. */
  message: string;
}

/** Parsed views of one environment folder (paths relative to it). */
export interface FolderView {
  paths(): string[];
  has(path: string): boolean;
  bytes(path: string): Uint8Array | undefined;
  text(path: string): string | undefined;
  /** The parsed YAML or JSON document (the first of several), or undefined when absent or unparsable. */
  doc(path: string): unknown;
  /** Every document of a multi-document YAML file (Kubernetes objects); empty when absent or unparsable. */
  docs(path: string): unknown[];
  /** Whether the file is a SOPS file (see `isSopsFile`); false when absent. Worked out once per file. */
  isSops(path: string): boolean;
}

export interface EnvironmentPair {
  name: string;
  old: FolderView;
  new: FolderView;
  oldEntry?: IndexEntry;
  newEntry?: IndexEntry;
  /** The environment is gone from the new tree (no index entry, no folder). */
  removed: boolean;
}

/**
 * A named check over the old and new rendered trees. Rules read output files only, so a rule for
 * a format no generator writes yet is simply silent until it does.
 */
export interface RiskRule {
  id: string;
  categories: readonly RiskCategory[];
  /** What it looks for, for documentation and `--format json`. */
  description: string;
  check(environment: EnvironmentPair): Risk[];
}

/** One file as it was and as it is: parsed documents, undefined or empty on the side that lacks it. */
export interface FilePair {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * The files whose path matches `pattern`, each read on both sides with `read` (the first document,
 * or every one). Those of the new side, and with `gone` also those only the old side still has.
 * None for a removed environment: `environment-removed` speaks for all of it.
 */
export function filePairs(environment: EnvironmentPair, pattern: RegExp, options: { read?: 'doc' | 'docs'; gone?: boolean } = {}): FilePair[] {
  if (environment.removed) return [];
  const paths = options.gone ? new Set([...environment.old.paths(), ...environment.new.paths()]) : environment.new.paths();
  const read = (view: FolderView, path: string) => (options.read === 'docs' ? view.docs(path) : view.doc(path));
  return [...paths].filter((path) => pattern.test(path)).map((path) => ({ path, before: read(environment.old, path), after: read(environment.new, path) }));
}

/**
 * A value from a rendered file, safe to put in a message shown as Markdown or on a terminal:
 * wrapped in backticks, with backticks, angle brackets, pipes and line breaks removed.
 */
export function code(value: unknown): string {
  const text = String(value).replace(/[`<>|\r\n\u0000-\u001f]/g, '').slice(0, 120);
  return `\`${text}\``;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
