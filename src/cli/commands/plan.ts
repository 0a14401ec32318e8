import { previewEnvironment, validateSourceTree } from '../../compile.js';
import { hasErrors } from '../../core/diagnostics.js';
import { BugError, ExitCode, UsageError, type ExitCodeValue } from '../../core/errors.js';
import type { ProvisioningPlan } from '../../model/index.js';
import { planText } from '../../report/plan-text.js';
import { buildTime } from '../clock.js';
import { reportFindings } from '../findings.js';
import type { CliIo } from '../io.js';
import { checkedEnvironmentNames, checkedRoot } from './validate.js';

export interface PlanCommandOptions {
  root: string;
  format?: string;
}

/**
 * Prints one environment's provisioning runbook, exactly as `build` renders it (json: the bytes of
 * plan.json; markdown: plan.md). A blocked target still gets its plan, headed by why it is blocked,
 * and exits 1 so scripts notice; input with errors prints the findings instead and exits 1; an
 * environment that does not exist is wrong usage (exit 2).
 */
export function runPlan(environment: string, options: PlanCommandOptions, io: CliIo): ExitCodeValue {
  const format = options.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'markdown') throw new UsageError(`--format must be text, json or markdown, not ${JSON.stringify(format)}`);
  const root = checkedRoot(options.root, io);
  checkedEnvironmentNames([environment], root, '');

  const result = validateSourceTree({ root, environments: [environment], now: buildTime(io.env) });
  const target = result.targets.find((candidate) => candidate.name === environment);
  const preview = !hasErrors(result.diagnostics) && target?.model && target.status !== 'invalid' ? previewEnvironment(target) : undefined;
  if (!target || !preview?.files) {
    reportFindings('plan', [...result.diagnostics, ...(preview?.diagnostics ?? [])], result.targets, 'text', options.root, io);
    io.stderr(`no plan for ${environment}: fix the errors above first\n`);
    return ExitCode.invalidInput;
  }

  const file = (path: string) => {
    const found = preview.files!.find((candidate) => candidate.path === path);
    if (!found) throw new BugError(`the runbook no longer writes ${path}`);
    return new TextDecoder().decode(found.bytes);
  };
  if (format === 'json') io.stdout(file('plan.json'));
  else if (format === 'markdown') io.stdout(file('plan.md'));
  else io.stdout(planText(JSON.parse(file('plan.json')) as ProvisioningPlan));

  if (target.status === 'blocked') {
    io.stderr(`${environment} is blocked: ${target.blockReasons.map((reason) => reason.message).join('; ')}\n`);
    return ExitCode.invalidInput;
  }
  return ExitCode.ok;
}
