import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonLines, runCli, type JsonFinding } from '../support/cli.js';
import { fixturesDir, useTrees } from '../support/tree.js';

/** The minimal tree without generated secrets, so exact-output assertions do not depend on the secrets rules. */
export const validateBase = 'validate-base';

/** A file of a fixture tree, as text. */
export function fixtureText(path: string, tree = validateBase): string {
  return readFileSync(join(fixturesDir, tree, path), 'utf8');
}

/** Replaces one occurrence, and fails loudly if the text is not there: a case must never silently test nothing. */
export function sub(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`test edit: ${String(from)} not found`);
  return text.replace(from, to);
}

const newTree = useTrees();

/** A copy of a fixture tree with edits, removed after the test. */
export function editedTree(files: Record<string, string | null>, tree = validateBase): string {
  return newTree(files, tree);
}

export interface ValidateRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  findings: JsonFinding[];
}

/** `slipway validate --format json` on an edited fixture tree. */
export async function validateEdited(
  files: Record<string, string | null>,
  options: { args?: string[]; env?: Record<string, string>; tree?: string } = {},
): Promise<ValidateRun> {
  const root = editedTree(files, options.tree);
  const run = await runCli(['validate', '--format', 'json', ...(options.args ?? [])], { cwd: root, env: options.env ?? {} });
  return { ...run, findings: parseJsonLines(run.stdout) };
}
