import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hasErrors } from '../../core/diagnostics.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../../core/errors.js';
import { validateReusing } from '../../compile.js';
import { planVerdictReuse, verdictCacheBytes, verdictCachePath } from '../../reuse/verdicts.js';
import { writeFileAtomic } from '../../write/durable.js';
import { writingTo } from '../../write/errors.js';
import { buildTime } from '../clock.js';
import { parseFormat, reportFindings, summaryLine } from '../findings.js';
import type { CliIo } from '../io.js';

export interface ValidateCommandOptions {
  root: string;
  env: string[];
  format?: string;
  failOnBlocked?: boolean;
  /** A folder kept between runs: environments whose inputs did not change are not validated again. */
  cache?: string;
}

export function runValidate(options: ValidateCommandOptions, io: CliIo): ExitCodeValue {
  const format = parseFormat(options.format, io);
  const root = checkedRoot(options.root, io);
  const environments = checkedEnvironmentNames(options.env, root);
  const now = buildTime(io.env);
  const cache = options.cache === undefined ? undefined : resolve(io.cwd, options.cache);
  const reuse = cache === undefined ? undefined : planVerdictReuse(root, cache, now, environments);
  const { validated: result, reused } = validateReusing({ root, ...(environments ? { environments } : {}), now }, reuse);
  if (cache !== undefined && reuse) {
    const bytes = verdictCacheBytes(reuse, result, now);
    writingTo(`the validation cache ${options.cache}`, () => writeFileAtomic(verdictCachePath(cache), bytes));
  }
  reportFindings('validate', result.diagnostics, result.targets, format, options.root, io);
  // Verdicts are taken only when the rest alone is validated; otherwise every environment was looked at again.
  const taken = reuse?.validateOthersOnly ? reused.size : 0;
  if (format === 'text') io.stderr(`${summaryLine(result.diagnostics, result.targets)}${taken > 0 ? `; ${taken} unchanged environment(s) taken from the cache` : ''}\n`);
  if (hasErrors(result.diagnostics)) return ExitCode.invalidInput;
  if (options.failOnBlocked && result.targets.some((t) => t.status === 'blocked')) return ExitCode.invalidInput;
  return ExitCode.ok;
}

export function checkedRoot(root: string, io: CliIo): string {
  const absolute = resolve(io.cwd, root);
  if (!existsSync(absolute)) throw new UsageError(`--root ${root}: no such folder`);
  if (!statSync(absolute).isDirectory()) throw new UsageError(`--root ${root}: a file, not a folder; give the source tree's folder`);
  return absolute;
}

const environmentName = /^[a-z][a-z0-9-]{0,62}$/;

/** `--env` values are names, never paths: checked against the name pattern and the files that exist. */
export function checkedEnvironmentNames(names: readonly string[], root: string, argument = '--env'): string[] | undefined {
  if (names.length === 0) return undefined;
  const label = (name: string) => (argument ? `${argument} ${name}` : name);
  for (const name of names) {
    if (!environmentName.test(name)) throw new UsageError(`${argument ? `${argument} ` : ''}${JSON.stringify(name)} is not an environment name (lowercase letters, digits and dashes)`);
    if (!existsSync(join(root, 'environments', `${name}.yaml`))) throw new UsageError(`${label(name)}: there is no environments/${name}.yaml`);
  }
  return [...new Set(names)];
}
