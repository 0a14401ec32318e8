import { compile } from '../../compile.js';
import { hasErrors } from '../../core/diagnostics.js';
import { compareTrees } from '../../diff/compare.js';
import { previousFromFiles, readDeployState } from '../../deploy-repo/index.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../../core/errors.js';
import { COMMENT_MARKER, renderMarkdown } from '../../report/diff-markdown.js';
import { renderJson, renderText } from '../../report/diff-text.js';
import { buildTime } from '../clock.js';
import { settingsBranch } from '../deploy-settings.js';
import { reportFindings, summaryLine } from '../findings.js';
import type { CliIo } from '../io.js';
import { checkedRoot } from './validate.js';

export interface DiffCommandOptions {
  root: string;
  against: string;
  format?: string;
}

type DiffFormat = 'text' | 'markdown' | 'json';

/**
 * `slipway diff`: a fresh, unsigned build chained to the deploy repository's state, compared with
 * that state. Needs no signing key: unchanged environments keep the manifests and signatures they
 * have there, so only what this change touches shows up.
 */
export function runDiff(options: DiffCommandOptions, io: CliIo): ExitCodeValue {
  const format = (options.format ?? 'text') as DiffFormat;
  if (!['text', 'markdown', 'json'].includes(format)) throw new UsageError(`--format must be text, markdown or json, not ${JSON.stringify(options.format)}`);
  const root = checkedRoot(options.root, io);
  const now = buildTime(io.env);
  const { origin, files: against } = readDeployState(options.against, io.cwd, settingsBranch(root));
  const result = compile({ root, now, previous: previousFromFiles(against, origin) });

  if (hasErrors(result.diagnostics) || !result.files) {
    reportFindings('diff', result.diagnostics, result.targets, 'text', options.root, io);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (format === 'json') io.stdout(`${JSON.stringify({ apiVersion: 'slipway.dev/v1', kind: 'DeploymentDiff', valid: false, findings: errors }, null, 2)}\n`);
    if (format === 'markdown') {
      io.stdout(`${COMMENT_MARKER}\n## Slipway diff\n\nThe source tree is invalid (${errors.length} error(s)), so there is nothing to compare yet. The validate step annotates each finding on the changed files.\n`);
    }
    io.stderr(`${summaryLine(result.diagnostics, result.targets)}\ndiff failed: the source tree is invalid\n`);
    return ExitCode.invalidInput;
  }

  const report = compareTrees(origin, against, new Map(result.files.map((file) => [file.path, file.bytes])));
  if (format === 'json') io.stdout(renderJson(report));
  else if (format === 'markdown') io.stdout(renderMarkdown(report));
  // Colour only when the diff itself goes to a terminal, not when it is redirected to a file.
  else io.stdout(renderText(report, io.isTerminal && io.env.NO_COLOR === undefined && process.stdout.isTTY === true));
  return ExitCode.ok;
}
