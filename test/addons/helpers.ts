import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonLines, type JsonFinding } from '../support/cli.js';
import { fixturesDir } from '../support/tree.js';

/** The minimal fixture's Kubernetes target, which the add-on tests extend with an `addons:` block. */
export const prodEnvironment = readFileSync(join(fixturesDir, 'minimal', 'environments', 'prod.yaml'), 'utf8');

/** One entry under `addons:`: cert-manager from its https:// repository, pinned, with values. */
export const certManagerAddon = `  cert-manager:
    repository: https://charts.jetstack.io
    chart: cert-manager
    version: v1.16.2
    values:
      crds: { enabled: true }
`;

/** The findings of `--format json` output, without the `blocked` summaries. */
export function jsonFindings(stdout: string): JsonFinding[] {
  return parseJsonLines(stdout.split('\n').filter((line) => line.startsWith('{"severity"')).join('\n')).filter((finding) => finding.code !== 'blocked');
}
