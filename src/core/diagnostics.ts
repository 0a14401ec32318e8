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

/** Findings shown per file: past this, the first ones are what to fix, and the rest is noise (or an attack on the log). */
export const maxFindingsPerFile = 100;

/**
 * At most `maxFindingsPerFile` findings of one file (errors first, as sorted), and then one that
 * says how many more there are, so a file with a hundred thousand mistakes prints a page, not 18 MB.
 */
export function capFindings(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const byFile = new Map<string, Diagnostic[]>();
  for (const diagnostic of diagnostics) {
    const list = byFile.get(diagnostic.file) ?? [];
    list.push(diagnostic);
    byFile.set(diagnostic.file, list);
  }
  const kept: Diagnostic[] = [];
  for (const [file, list] of byFile) {
    if (list.length <= maxFindingsPerFile) {
      kept.push(...list);
      continue;
    }
    const errorsFirst = [...list.filter((d) => d.severity === 'error'), ...list.filter((d) => d.severity !== 'error')];
    kept.push(...errorsFirst.slice(0, maxFindingsPerFile));
    const hidden = list.length - maxFindingsPerFile;
    const hiddenErrors = errorsFirst.slice(maxFindingsPerFile).filter((d) => d.severity === 'error').length;
    kept.push({
      severity: hiddenErrors > 0 ? 'error' : 'warning',
      code: 'too-many-findings',
      file,
      line: 1,
      column: 1,
      message: `${hidden} more findings in this file are not shown; fix the ones above and run again`,
    });
  }
  return sortDiagnostics(kept);
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Code-point order, independent of the locale, so output is the same on every machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts `keys` in place by UTF-16 code unit, as `keys.sort()` does, and returns them. Serialisers
 * sort the keys of every object they write, nearly all a handful long and many already in order:
 * those are sorted here without the copy `Array.prototype.sort` makes of every array it sorts.
 */
export function sortTextInPlace(keys: string[]): string[] {
  const length = keys.length;
  let sorted = true;
  for (let i = 1; i < length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return keys;
  if (length > 16) return keys.sort();
  for (let i = 1; i < length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
