import { relative, resolve, sep } from 'node:path';
import type { Diagnostic, Severity } from '../core/diagnostics.js';

export type FindingFormat = 'text' | 'json' | 'github';

export interface FormatContext {
  /** The source root as given; text and GitHub paths are shown relative to the working directory. */
  root: string;
  cwd: string;
  color: boolean;
}

/** `path:line:column: error CODE: message`, one a line, for stderr. */
export function formatText(diagnostic: Diagnostic, context: FormatContext): string {
  const severity = context.color ? paint(diagnostic.severity) : diagnostic.severity;
  return `${displayPath(diagnostic.file, context)}:${diagnostic.line}:${diagnostic.column}: ${severity} ${diagnostic.code}: ${diagnostic.message}`;
}

/** One JSON object a line, keys in the SPEC's order, `file` relative to the source root. */
export function formatJson(diagnostic: Diagnostic): string {
  const { severity, code, file, line, column, message } = diagnostic;
  return JSON.stringify({ severity, code, file, line, column, message });
}

/** A GitHub Actions workflow command that annotates the file in the pull request. */
export function formatGithub(diagnostic: Diagnostic, context: FormatContext): string {
  const properties = [
    `file=${escapeProperty(displayPath(diagnostic.file, context))}`,
    `line=${diagnostic.line}`,
    `col=${diagnostic.column}`,
    `title=${escapeProperty(diagnostic.code)}`,
  ].join(',');
  return `::${diagnostic.severity} ${properties}::${escapeData(diagnostic.message)}`;
}

export function displayPath(file: string, context: Pick<FormatContext, 'root' | 'cwd'>): string {
  const absolute = resolve(context.root, ...file.split('/'));
  const shown = relative(context.cwd, absolute);
  return shown.split(sep).join('/');
}

/** GitHub's escaping of workflow command data (the message). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** GitHub's escaping of workflow command properties, which also reserve `:` and `,`. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const colors: Record<Severity, string> = { error: '\u001b[31m', warning: '\u001b[33m', notice: '\u001b[36m' };

function paint(severity: Severity): string {
  return `${colors[severity]}${severity}\u001b[0m`;
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const diagnostic of diagnostics) counts[diagnostic.severity]++;
  return counts;
}
