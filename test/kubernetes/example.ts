import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { runCli } from '../support/cli.js';
import { readyModels } from '../support/example.js';
import { repositoryRoot } from '../support/tree.js';

export interface BuiltExample {
  out: string;
  /** The ready Kubernetes targets of the example, as the generators saw them. */
  targets: ResolvedEnvironment[];
  remove(): void;
}

/** Builds the bundled example (unsigned) into a temporary folder. */
export async function buildExample(root = repositoryRoot): Promise<BuiltExample> {
  const work = mkdtempSync(join(tmpdir(), 'slipway-k8s-'));
  const out = join(work, 'output');
  const run = await runCli(['build', '--no-sign', '--root', root, '--out', out], { cwd: root });
  if (run.exitCode !== 0) throw new Error(`build failed: ${run.stderr}`);
  const targets = [...readyModels('kubernetes', root).values()];
  return { out, targets, remove: () => rmSync(work, { recursive: true, force: true }) };
}
