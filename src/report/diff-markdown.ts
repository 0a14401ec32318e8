import type { DiffReport, EnvironmentDiff, FileDiff } from '../diff/compare.js';
import type { RiskCategory } from '../diff/risks/index.js';
import { escapeMarkdownCell, template } from '../core/templates.js';

/** GitHub refuses comment bodies over 65,536 characters; one less leaves no doubt. */
export const COMMENT_LIMIT = 65_535;

/** The first line of every Slipway diff comment: the workflow finds its own comment by it. */
export const COMMENT_MARKER = '<!-- slipway-diff -->';

/** Diffs up to this many lines are shown open; longer ones are folded into `<details>`. */
const OPEN_DIFF_LINES = 40;

export const categoryLabels: Record<RiskCategory, string> = { 'data-loss': 'data loss', downtime: 'downtime', security: 'security', policy: 'policy' };

interface DiffBlock {
  full: string;
  omitted: string;
  body: string;
}

/**
 * The pull-request comment. It must fit one GitHub comment: large diffs are folded first, then
 * the largest are replaced by a one-line note, and only then is the text cut, with a note saying so.
 */
export function renderMarkdown(report: DiffReport, limit = COMMENT_LIMIT): string {
  const blocks: DiffBlock[] = [];
  const sections = report.environments
    .filter((environment) => environment.status !== 'unchanged')
    .map((environment) => section(`${environment.name} — ${statusText(environment)}`, environment.files, blocks, environment))
    .concat(report.project.length ? [section('Project files', report.project, blocks)] : []);
  const context = {
    marker: COMMENT_MARKER,
    against: inlineCode(report.against),
    summary: summaryText(report),
    risks: report.risks.map((risk) => ({
      label: categoryLabels[risk.category],
      environment: risk.environment,
      file: risk.file ? inlineCode(risk.file) : '',
      message: cell(risk.message),
    })),
    environments: report.environments.map((environment) => ({
      name: environment.name,
      status: statusText(environment),
      release: releaseText(environment),
      changes: environment.status === 'blocked' ? escapeMarkdownCell(environment.blockReasons.join('; ')) : changesText(environment),
    })),
    sections,
  };
  const render = template('src/report/diff-comment.md.hbs');
  let text = render(context);
  if (text.length <= limit) return text;

  // Too long: replace the largest diffs by a note until the estimate fits, then render again.
  let excess = text.length - limit + 200;
  for (const block of [...blocks].sort((a, b) => b.full.length - a.full.length)) {
    if (excess <= 0) break;
    block.body = block.omitted;
    excess -= block.full.length - block.omitted.length;
  }
  text = render(context);
  return text.length <= limit ? text : truncate(text, limit);
}

function section(title: string, files: FileDiff[], blocks: DiffBlock[], environment?: EnvironmentDiff) {
  const notes: string[] = [];
  const diffs: DiffBlock[] = [];
  if (environment?.status === 'blocked') {
    notes.push(`${environment.newlyBlocked ? 'Newly blocked' : 'Still blocked'}: nothing new is published for it. Why: ${escapeMarkdownCell(environment.blockReasons.join('; ')) || 'no reason recorded'}`);
  }
  if (environment?.status === 'removed') {
    notes.push(`Removed from the source: ${files.length} file(s) leave the deploy repository.`);
    return { title, notes: bullets(notes), diffs };
  }
  for (const file of files) {
    const note = fileNote(file);
    if (note !== undefined) notes.push(note);
    else diffs.push(diffBlock(file));
  }
  blocks.push(...diffs);
  return { title, notes: bullets(notes), diffs };
}

function bullets(notes: string[]): string {
  return notes.map((note) => `- ${note}`).join('\n');
}

function fileNote(file: FileDiff): string | undefined {
  if (file.kind === 'manifest' || file.kind === 'signature' || file.kind === 'binary') return `${inlineCode(file.path)}: ${file.summary ?? file.change}`;
  if (file.kind !== 'secrets') return undefined;
  const sops = file.secrets!;
  if (sops.unreadable) return `${inlineCode(file.path)}: SOPS file ${file.change} (not readable as SOPS; values are never shown)`;
  const parts = sops.secrets.map((s) => `${s.encrypted ? 'secret' : 'field'} ${inlineCode(s.name)} ${s.change}`);
  if (sops.recipientsAdded.length) parts.push(`recipients added: ${sops.recipientsAdded.map(inlineCode).join(', ')}`);
  if (sops.recipientsRemoved.length) parts.push(`recipients removed: ${sops.recipientsRemoved.map(inlineCode).join(', ')}`);
  if (parts.length === 0) parts.push(file.change === 'modified' ? 're-encrypted, no secret added, removed or changed' : `file ${file.change}`);
  return `${inlineCode(file.path)}: ${parts.join('; ')}`;
}

function diffBlock(file: FileDiff): DiffBlock {
  const patch = (file.patch ?? '').replace(/\n$/, '');
  const lines = patch.split('\n').length;
  const stats = `(${file.change}, +${file.linesAdded} −${file.linesRemoved})`;
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(patch) + 1));
  const code = `${fence}diff\n${patch}\n${fence}`;
  const full =
    lines <= OPEN_DIFF_LINES
      ? `${inlineCode(file.path)} ${stats}\n\n${code}`
      : `<details><summary><code>${html(file.path)}</code> ${stats}</summary>\n\n${code}\n\n</details>`;
  const omitted = `${inlineCode(file.path)} ${stats}: diff left out to fit one comment; run \`slipway diff\` locally to see it.`;
  return { full, omitted, body: full };
}

function summaryText(report: DiffReport): string {
  return `${countsText(report.counts)}; ${report.risks.length} risk(s)`;
}

/** How many environments are in each state, in the order every format shows them. */
export function countsText({ added, changed, removed, blocked, unchanged }: DiffReport['counts']): string {
  return `${changed} changed, ${added} added, ${removed} removed, ${blocked} blocked, ${unchanged} unchanged`;
}

export function statusText(environment: EnvironmentDiff): string {
  if (environment.status === 'blocked') return environment.newlyBlocked ? 'newly blocked' : 'blocked';
  return environment.status;
}

export function releaseText(environment: EnvironmentDiff): string {
  const { old, new: now } = environment.release;
  if (old === now) return now ?? '—';
  return `${old ?? '—'} → ${now ?? '—'}`;
}

function changesText(environment: EnvironmentDiff): string {
  // The preview's missing signature is not a change anyone makes: main's build signs.
  const files = environment.files.filter((f) => f.kind !== 'signature');
  if (files.length === 0) return '—';
  const count = (change: FileDiff['change']) => files.filter((f) => f.change === change).length;
  return [`${count('modified')} modified`, `${count('added')} added`, `${count('removed')} removed`].filter((p) => !p.startsWith('0 ')).join(', ');
}

/** A table cell holding a message whose backtick spans were made safe by `code()`. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

function inlineCode(text: string): string {
  return `\`${text.replace(/[`|\r\n]/g, '')}\``;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/** Cuts at a line, closes whatever fence and `<details>` were left open, and says so. */
function truncate(text: string, limit: number): string {
  const note = '\n\n**This comment was cut to fit GitHub\u2019s size limit.** Run `slipway diff` locally for everything.\n';
  const budget = limit - note.length - 200;
  const kept = text.slice(0, Math.max(0, text.lastIndexOf('\n', budget)));
  let fence: string | undefined;
  let details = 0;
  for (const line of kept.split('\n')) {
    const marker = /^(`{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker.length >= fence.length && line.trim() === marker))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence !== undefined) continue;
    if (line.startsWith('<details>')) details++;
    if (line.startsWith('</details>')) details--;
  }
  let closing = fence !== undefined ? `\n${fence}` : '';
  for (; details > 0; details--) closing += '\n\n</details>';
  return `${kept}${closing}${note}`;
}
