import { resolve } from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { UsageError } from '../core/errors.js';
import { countBySeverity, formatGithub, formatJson, formatText, type FindingFormat, type FormatContext } from '../report/format.js';
import { appendStepSummary, stepSummary } from '../report/step-summary.js';
import type { Target } from '../model/index.js';
import type { CliIo } from './io.js';

export function parseFormat(value: string | undefined, io: CliIo): FindingFormat {
  const format = value ?? (io.env.GITHUB_ACTIONS === 'true' ? 'github' : 'text');
  if (format !== 'text' && format !== 'json' && format !== 'github') {
    throw new UsageError(`--format must be text, json or github, not ${JSON.stringify(format)}`);
  }
  return format;
}

/** Prints findings in the chosen format: text to stderr, json and github to stdout. */
export function reportFindings(command: string, diagnostics: readonly Diagnostic[], targets: readonly Target[], format: FindingFormat, root: string, io: CliIo): void {
  const context: FormatContext = { root: resolve(io.cwd, root), cwd: io.cwd, color: io.isTerminal && io.env.NO_COLOR === undefined };
  for (const diagnostic of diagnostics) {
    if (format === 'json') io.stdout(`${formatJson(diagnostic)}\n`);
    else if (format === 'github') io.stdout(`${formatGithub(diagnostic, context)}\n`);
    else io.stderr(`${formatText(diagnostic, context)}\n`);
  }
  if (format === 'github' && io.env.GITHUB_STEP_SUMMARY) {
    appendStepSummary(io.env.GITHUB_STEP_SUMMARY, stepSummary(command, diagnostics, targets, context));
  }
}

/**
 * One line that adds up: every environment is ready, blocked, invalid (its own file has errors) or
 * held back (an error elsewhere — a service, a policy, slipway.yaml — stops the whole build). None is
 * called ready while any error stands, since nothing is built then.
 */
export function summaryLine(diagnostics: readonly Diagnostic[], targets: readonly Target[]): string {
  const counts = countBySeverity(diagnostics);
  const clean = targets.filter((t) => t.status === 'ready').length;
  const ready = counts.error === 0 ? clean : 0;
  const blocked = targets.filter((t) => t.status === 'blocked').length;
  const invalid = targets.filter((t) => t.status === 'invalid').length;
  const heldBack = clean - ready;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const states = [`${ready} ready`, `${blocked} blocked`, ...(invalid > 0 ? [`${invalid} with errors`] : []), ...(heldBack > 0 ? [`${heldBack} held back by errors in other files`] : [])];
  return `${plural(targets.length, 'environment')}: ${states.join(', ')}; ${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}`;
}
