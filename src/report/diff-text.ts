import type { DiffReport, FileDiff } from '../diff/compare.js';
import { riskRules } from '../diff/risks/index.js';
import { categoryLabels, countsText, releaseText, statusText } from './diff-markdown.js';

/** The diff for a terminal: risks first, then each environment that is not unchanged, with its patches. */
export function renderText(report: DiffReport, color: boolean): string {
  // Control characters from a file or a path could drive the terminal: they are shown as `?`.
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${clean(text)}\u001b[0m` : clean(text));
  const out: string[] = [];
  out.push(`Slipway diff against ${clean(report.against)}: ${countsText(report.counts)}`);
  out.push('');
  if (report.risks.length === 0) out.push('No risky changes found (data loss, downtime, security, policy).');
  else {
    out.push(paint('1', `Risks to review (${report.risks.length}):`));
    for (const risk of report.risks) {
      out.push(`  ${paint('33', categoryLabels[risk.category].padEnd(9))}  ${clean(`${risk.environment}${risk.file ? ` ${risk.file}` : ''}: ${risk.message}`)}`);
    }
  }
  for (const environment of report.environments) {
    if (environment.status === 'unchanged') continue;
    const { old, new: now } = environment.release;
    const release = old === now && !now ? '' : ` (release ${releaseText(environment)})`;
    out.push('');
    out.push(paint('1', `${environment.name}: ${statusText(environment)}${release}`));
    if (environment.status === 'blocked') out.push(`  why: ${environment.blockReasons.join('; ') || 'no reason recorded'}`);
    if (environment.status === 'removed') {
      out.push(`  ${environment.files.length} file(s) leave the deploy repository`);
      continue;
    }
    for (const file of environment.files) out.push(...fileLines(file, paint));
  }
  const same = report.environments.filter((e) => e.status === 'unchanged').map((e) => e.name);
  if (same.length) out.push('', `unchanged: ${same.join(', ')}`);
  if (report.project.length) {
    out.push('', paint('1', 'project files:'));
    for (const file of report.project) out.push(...fileLines(file, paint));
  }
  return `${out.join('\n')}\n`;
}

function fileLines(file: FileDiff, paint: (code: string, text: string) => string): string[] {
  const head = `  ${file.change} ${clean(file.path)}`;
  if (file.kind === 'manifest' || file.kind === 'signature' || file.kind === 'binary') return [`${head}: ${file.summary}`];
  if (file.kind === 'secrets') {
    const sops = file.secrets!;
    if (sops.unreadable) return [`${head}: SOPS file (not readable as SOPS; values are never shown)`];
    const lines = [`${head}: SOPS file, values hidden`];
    for (const s of sops.secrets) lines.push(`    ${s.encrypted ? 'secret' : 'field'} ${clean(s.name)} ${s.change}`);
    for (const r of sops.recipientsAdded) lines.push(`    recipient added ${r}`);
    for (const r of sops.recipientsRemoved) lines.push(`    recipient removed ${r}`);
    return lines;
  }
  const lines = [`${head} (+${file.linesAdded} -${file.linesRemoved})`];
  for (const line of (file.patch ?? '').replace(/\n$/, '').split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) lines.push(`    ${paint('1', line)}`);
    else if (line.startsWith('+')) lines.push(`    ${paint('32', line)}`);
    else if (line.startsWith('-')) lines.push(`    ${paint('31', line)}`);
    else if (line.startsWith('@@')) lines.push(`    ${paint('36', line)}`);
    else lines.push(`    ${clean(line)}`);
  }
  return lines;
}

function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

/** One JSON document for machines: everything the other formats show, plus the rules that were run. */
export function renderJson(report: DiffReport): string {
  const document = {
    apiVersion: 'slipway.dev/v1',
    kind: 'DeploymentDiff',
    valid: true,
    against: report.against,
    summary: { ...report.counts, risks: report.risks.length },
    risks: report.risks,
    environments: report.environments,
    project: report.project,
    rules: riskRules.map((rule) => ({ id: rule.id, categories: rule.categories, description: rule.description })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
