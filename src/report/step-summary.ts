import { appendFileSync } from 'node:fs';
import type { Diagnostic } from '../core/diagnostics.js';
import { template } from '../core/templates.js';
import type { Target } from '../model/index.js';
import { countBySeverity, displayPath, type FormatContext } from './format.js';

/** The Markdown shown on the workflow run's summary page when `$GITHUB_STEP_SUMMARY` is set. */
export function stepSummary(command: string, diagnostics: readonly Diagnostic[], targets: readonly Target[], context: FormatContext): string {
  return template('src/report/step-summary.md.hbs')({
    command,
    counts: countBySeverity(diagnostics),
    findings: diagnostics.map((d) => ({ ...d, location: `${displayPath(d.file, context)}:${d.line}:${d.column}` })),
    targets: targets.map((t) => ({ name: t.name, status: t.status, why: t.blockReasons.map((r) => r.message).join('; ') })),
  });
}

export function appendStepSummary(path: string, markdown: string): void {
  appendFileSync(path, `${markdown}\n`);
}
