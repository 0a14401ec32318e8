import { main } from '../../src/cli/main.js';

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with a controlled environment; no colour, no terminal. */
export async function runCli(argv: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { SOURCE_DATE_EPOCH: '1795132800', ...options.env },
    cwd: options.cwd,
    isTerminal: false,
  });
  return { exitCode, stdout, stderr };
}

export interface JsonFinding {
  severity: string;
  code: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

export function parseJsonLines(stdout: string): JsonFinding[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsonFinding);
}
