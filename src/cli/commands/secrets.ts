import { hasErrors } from '../../core/diagnostics.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../../core/errors.js';
import { ageIdentities } from '../../secrets/identities.js';
import { removeStaleSecretsTemporaries, rotateSecrets, syncSecrets, type SecretsOutcome } from '../../secrets/sync.js';
import { validateSourceTree, type ValidationResult } from '../../compile.js';
import { buildTime } from '../clock.js';
import { reportFindings } from '../findings.js';
import type { CliIo } from '../io.js';
import { checkedEnvironmentNames, checkedRoot } from './validate.js';

/** Secrets are only generated for a tree that validates: a typo must not mint values for a wrong name. */
function validTree(root: string, rootArgument: string, environments: string[] | undefined, io: CliIo): ValidationResult | undefined {
  const result = validateSourceTree({ root, now: buildTime(io.env), ...(environments ? { environments } : {}) });
  if (!hasErrors(result.diagnostics)) return result;
  reportFindings('secrets', result.diagnostics.filter((d) => d.severity === 'error'), result.targets, 'text', rootArgument, io);
  io.stderr('secrets: fix the errors above first; no secret was written\n');
  return undefined;
}

function print(outcomes: SecretsOutcome[], io: CliIo): ExitCodeValue {
  for (const outcome of outcomes) {
    const names = outcome.names.length > 0 ? ` (${outcome.names.join(', ')})` : '';
    if (outcome.action === 'failed') io.stderr(`${outcome.environment}: failed: ${outcome.message}\n`);
    else io.stderr(`${outcome.environment}: ${outcome.action}${names}\n`);
  }
  return outcomes.some((outcome) => outcome.action === 'failed') ? ExitCode.invalidInput : ExitCode.ok;
}

export async function runSecretsSync(options: { root: string; env: string[] }, io: CliIo): Promise<ExitCodeValue> {
  const root = checkedRoot(options.root, io);
  removeStaleSecretsTemporaries(root);
  const result = validTree(root, options.root, checkedEnvironmentNames(options.env, root), io);
  if (!result) return ExitCode.invalidInput;
  const models = result.targets.flatMap((target) => (target.model ? [target.model] : []));
  const outcomes = await syncSecrets(models, { root, identities: ageIdentities(io.env, io.cwd), now: buildTime(io.env) });
  return print(outcomes, io);
}

export async function runSecretsRotate(environment: string, names: string[], options: { root: string }, io: CliIo): Promise<ExitCodeValue> {
  const root = checkedRoot(options.root, io);
  removeStaleSecretsTemporaries(root);
  const [name] = checkedEnvironmentNames([environment], root, '') ?? [];
  const result = validTree(root, options.root, [name!], io);
  if (!result) return ExitCode.invalidInput;
  const model = result.targets.find((target) => target.name === name)?.model;
  if (!model) throw new UsageError(`environment ${environment} could not be resolved`);
  const outcome = await rotateSecrets(model, [...new Set(names)], { root, identities: ageIdentities(io.env, io.cwd), now: buildTime(io.env) });
  return print([outcome], io);
}
