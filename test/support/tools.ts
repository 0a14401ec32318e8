import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

const requireTools = process.env.SLIPWAY_REQUIRE_TOOLS === '1';

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runTool(command: string, args: string[], options: { input?: string | Uint8Array; cwd?: string; env?: NodeJS.ProcessEnv } = {}): ToolRun {
  const result = spawnSync(command, args, { input: options.input, cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout?.toString('utf8') ?? '', stderr: result.stderr?.toString('utf8') ?? '' };
}

export function toolPresent(command: string, args: string[] = ['--version']): boolean {
  return runTool(command, args).status === 0;
}

/**
 * `describe` when the real verifier is installed; otherwise a loud skip on a laptop, and a failing
 * test under SLIPWAY_REQUIRE_TOOLS=1 (as CI sets), so CI can never pass without the real tool.
 */
export function describeWithTool(tool: string, present: boolean) {
  return (title: string, body: () => void) => {
    if (present) return describe(title, body);
    if (requireTools) {
      return describe(title, () => {
        it(`${tool} is installed`, () => {
          throw new Error(`${tool} is required (SLIPWAY_REQUIRE_TOOLS=1) but was not found on PATH`);
        });
      });
    }
    console.warn(`\n*** SKIPPING "${title}": ${tool} is not installed. Set SLIPWAY_REQUIRE_TOOLS=1 to make this a failure. ***\n`);
    return describe.skip(title, body);
  };
}
