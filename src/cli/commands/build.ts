import { resolve } from 'node:path';
import { compile } from '../../compile.js';
import { hasErrors } from '../../diagnostics.js';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { openPrevious } from '../../load/previous.js';
import { sourceCommit } from '../../load/source-commit.js';
import { writeOutputTree } from '../../write/index.js';
import { buildTime } from '../clock.js';
import { parseFormat, reportFindings, summaryLine } from '../findings.js';
import type { CliIo } from '../io.js';
import { signingSeed } from '../signing-key.js';
import { checkedRoot } from './validate.js';

export interface BuildCommandOptions {
  root: string;
  out?: string;
  format?: string;
  failOnBlocked?: boolean;
  previous?: string;
  signingKey?: string;
  sign?: boolean;
  sourceCommit?: string;
}

export function runBuild(options: BuildCommandOptions, io: CliIo): ExitCodeValue {
  const format = parseFormat(options.format, io);
  const root = checkedRoot(options.root, io);
  const seed = signingSeed(options, io);
  const now = buildTime(io.env);
  const previous = options.previous ? openPrevious(options.previous, io.cwd) : undefined;
  try {
    const commit = sourceCommit(root, options.sourceCommit, io.env);
    const result = compile({ root, now, ...(previous ? { previous } : {}), ...(seed ? { signingSeed: seed } : {}), ...(commit ? { sourceCommit: commit } : {}) });
    reportFindings('build', result.diagnostics, result.targets, format, options.root, io);
    if (hasErrors(result.diagnostics) || !result.files) {
      io.stderr(`${summaryLine(result.diagnostics, result.targets)}\nbuild failed: nothing was written\n`);
      return ExitCode.invalidInput;
    }
    const out = resolve(io.cwd, options.out ?? resolve(root, 'output'));
    writeOutputTree(out, result.files);
    const signed = seed ? 'signed' : 'unsigned (--no-sign)';
    io.stderr(`${summaryLine(result.diagnostics, result.targets)}\nwrote ${result.files.length} files to ${out}, ${signed}; ${result.changedEnvironments?.length ?? 0} environment(s) changed\n`);
    if (options.failOnBlocked && result.targets.some((t) => t.status === 'blocked')) return ExitCode.invalidInput;
    return ExitCode.ok;
  } finally {
    previous?.dispose();
  }
}
