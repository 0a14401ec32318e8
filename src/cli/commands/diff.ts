import { outputTree, renderEnvironments } from '../../compile.js';
import { planRenderReuse, renderCacheBytes, renderCachePath } from '../../reuse/renders.js';
import { writeFileAtomic } from '../../write/durable.js';
import { writingTo } from '../../write/errors.js';
import { resolve } from 'node:path';
import { hasErrors } from '../../core/diagnostics.js';
import { compareTrees } from '../../diff/compare.js';
import { riskCategories, type RiskCategory } from '../../diff/risks/types.js';
import { previousFromFiles, readDeployState, type FileMap } from '../../deploy-repo/index.js';
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
  /** Risk categories that fail the diff (exit 1) when reported: a CI gate. */
  failOn?: string;
  /** A folder kept between runs: environments whose inputs did not change are not rendered again. */
  cache?: string;
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
  const failOn = failOnCategories(options.failOn);
  const root = checkedRoot(options.root, io);
  const now = buildTime(io.env);
  const state = readDeployState(options.against, io.cwd, settingsBranch(root, options.against, io.cwd));
  try {
    return diffAgainst(options, io, root, now, format, failOn, state);
  } finally {
    state.dispose();
  }
}

function diffAgainst(
  options: DiffCommandOptions,
  io: CliIo,
  root: string,
  now: Date,
  format: DiffFormat,
  failOn: ReadonlySet<RiskCategory>,
  { origin, files: against }: { origin: string; files: FileMap },
): ExitCodeValue {
  const previous = previousFromFiles(against, origin);
  const cache = options.cache === undefined ? undefined : resolve(io.cwd, options.cache);
  const reuse = cache === undefined ? undefined : planRenderReuse(root, cache, now, previous);
  const result = renderEnvironments({ root, now, previous, ...(reuse ? { reuse } : {}) });
  // An environment the cache vouches for is the deploy state's folder as it is, what a render would
  // give: it is not read, and compares as unchanged.
  const reused = new Set(result.reused);
  const taken = new Set([...(reuse?.listings.keys() ?? [])].filter((name) => reused.has(name)));
  if (taken.size > 0) io.stderr(`diff: ${taken.size} unchanged environment(s) taken from the deploy repository as the cache vouches for them\n`);

  if (hasErrors(result.diagnostics) || !result.folders) {
    reportFindings('diff', result.diagnostics, result.targets, 'text', options.root, io);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (format === 'json') io.stdout(`${JSON.stringify({ apiVersion: 'slipway.dev/v1', kind: 'DeploymentDiff', valid: false, findings: errors }, null, 2)}\n`);
    if (format === 'markdown') {
      io.stdout(`${COMMENT_MARKER}\n## Slipway diff\n\nThe source tree is invalid (${errors.length} error(s)), so there is nothing to compare yet. The validate step annotates each finding on the changed files.\n`);
    }
    io.stderr(`${summaryLine(result.diagnostics, result.targets)}\ndiff failed: the source tree is invalid\n`);
    return ExitCode.invalidInput;
  }

  const report = compareTrees(origin, against, new Map(outputTree(result).map((file) => [file.path, file.bytes])), taken);
  if (cache !== undefined && reuse && result.manifestDigests) {
    // A folder found unchanged is remembered by the deploy state's fingerprint of it, where it has one.
    const fingerprints = new Map<string, string>();
    for (const environment of report.environments) {
      const fingerprint = environment.status === 'unchanged' ? previous.fingerprint?.(environment.name) : undefined;
      if (fingerprint !== undefined) fingerprints.set(environment.name, fingerprint);
    }
    const bytes = renderCacheBytes(reuse, { ...result, folders: result.folders, manifestDigests: result.manifestDigests }, taken, fingerprints, now);
    writingTo(`the render cache ${options.cache}`, () => writeFileAtomic(renderCachePath(cache), bytes));
  }
  if (format === 'json') io.stdout(renderJson(report));
  else if (format === 'markdown') io.stdout(renderMarkdown(report));
  // Colour only when the diff itself goes to a terminal, not when it is redirected to a file.
  else io.stdout(renderText(report, io.isTerminal && io.env.NO_COLOR === undefined && process.stdout.isTTY === true));
  const failing = report.risks.filter((risk) => failOn.has(risk.category));
  if (failing.length > 0) {
    const kinds = [...new Set(failing.map((risk) => risk.category))].join(', ');
    io.stderr(`diff: ${failing.length} risk(s) of a kind --fail-on names (${kinds}); review them, then merge with the gate lifted or the change adjusted\n`);
    return ExitCode.invalidInput;
  }
  return ExitCode.ok;
}

/** `--fail-on data-loss,downtime,security`: the risk categories a CI gate stops on (none by default). */
function failOnCategories(value: string | undefined): Set<RiskCategory> {
  if (value === undefined) return new Set();
  const kinds = value.split(',').map((kind) => kind.trim()).filter((kind) => kind !== '');
  const unknown = kinds.filter((kind) => !(riskCategories as readonly string[]).includes(kind));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new UsageError(`--fail-on ${JSON.stringify(value)}: give a comma-separated list of ${riskCategories.join(', ')}`);
  }
  return new Set(kinds as RiskCategory[]);
}
