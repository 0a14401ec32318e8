export type Severity = 'error' | 'warning' | 'notice';

/** One finding. `file` is relative to the source root, with forward slashes; lines and columns count from 1. */
export interface Diagnostic {
  severity: Severity;
  code: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    severityRank[a.severity] - severityRank[b.severity] ||
    compareText(a.code, b.code) ||
    compareText(a.message, b.message)
  );
}

/** Sorts and drops exact duplicates, which arise when two rules reach the same node. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const sorted = [...diagnostics].sort(compareDiagnostics);
  return sorted.filter((d, i) => i === 0 || compareDiagnostics(d, sorted[i - 1]!) !== 0);
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Code-point order, independent of the locale, so output is the same on every machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
