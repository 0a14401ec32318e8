import { shellLine } from '../core/templates.js';
import type { ProvisioningPlan } from '../model/index.js';

/** The runbook for a terminal: plain text, no control characters from any value. */
export function planText(plan: ProvisioningPlan): string {
  const lines = [`Provisioning plan for ${plain(plan.environment)}: release ${plain(plan.release)}, ${plain(plan.mode)} ${plain(plan.tier)} on ${plain(plan.provider)}/${plain(plan.runtime)}`];
  if (plan.blockReasons && plan.blockReasons.length > 0) {
    lines.push('', 'BLOCKED: nothing new is rendered or published for this target until these are fixed:');
    for (const reason of plan.blockReasons) lines.push(`  - ${plain(reason.message)}`);
  }
  for (const step of plan.steps) {
    lines.push('', `${String(step.number).padStart(2)}. ${plain(step.title)}`);
    for (const action of step.actions) {
      lines.push(`    - ${plain(action.description)}`);
      if (action.command) lines.push(`      $ ${shellLine(action.command)}`);
      if (action.files) lines.push(`      files: ${action.files.map(plain).join(', ')}`);
    }
  }
  if (plan.connections.length > 0) {
    lines.push('', 'Connections (the same names on every target; where each value comes from here):');
    for (const connection of plan.connections) lines.push(`    ${plain(connection.variable)} (${connection.services.map(plain).join(', ')}): ${plain(connection.from)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Control characters (a terminal escape, a line break in a value) shown as `\u{…}`, never sent raw. */
function plain(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
