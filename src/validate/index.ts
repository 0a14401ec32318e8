import type { Diagnostic } from '../core/diagnostics.js';
import { rules, type RuleContext } from './rules/index.js';

/**
 * The validate stage: every input against its JSON Schema (which builds the Project the resolver
 * reads), then the named rules over the project, the resolved models and the gate's verdicts. It
 * returns findings; the driver (src/compile.ts) decides what they stop.
 */
export { schemaCheck } from './schema-check.js';
export type { RuleContext } from './rules/index.js';

/** Every rule's findings: all are collected, none stops at its first. */
export function ruleFindings(context: RuleContext, betweenRules?: () => void): Diagnostic[] {
  return rules.flatMap((rule) => {
    const findings = rule.check(context);
    betweenRules?.();
    return findings;
  });
}
