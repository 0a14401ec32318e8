import type { Diagnostic } from '../../src/core/diagnostics.js';
import { BugError } from '../../src/core/errors.js';
import { findingAt, type ResolvedEnvironment, type ResolvedResource } from '../../src/model/index.js';

/**
 * Findings the Compose and Kubernetes generators share: both run unmanaged resources from images or
 * charts pinned per version, and both hand the secrets to the runtime as a SOPS dotenv file.
 */

/**
 * Each unmanaged resource whose version has nothing pinned, at the `version` that asked for it. One
 * finding per file and problem: services sharing a resource often repeat its declaration.
 */
export function unsupportedVersionFindings(environment: ResolvedEnvironment, problemOf: (resource: ResolvedResource) => string | undefined): Diagnostic[] {
  const findings: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const resource of environment.resources) {
    if (resource.managed) continue;
    const problem = problemOf(resource);
    if (!problem) continue;
    const key = `${resource.origin.source.path}:${problem}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(
      findingAt(
        resource.origin,
        'unsupported-version',
        `${problem} (needed by "${environment.name}", where "${resource.name}" is not managed); use a supported version, or set resources.${resource.name}.managed: true in that environment`,
        { under: ['version'] },
      ),
    );
  }
  return findings;
}

/** The secrets file, when the runtime needs its dotenv form and the file has none. */
export function secretsDotenvFindings(environment: ResolvedEnvironment, runtime: string): Diagnostic[] {
  const { file, dotenv, generated } = environment.secrets;
  if (!file || generated.length === 0 || !dotenv || !('problem' in dotenv)) return [];
  return [
    {
      severity: 'error',
      code: 'secrets-not-dotenv',
      file: file.path,
      line: 1,
      column: 1,
      message: `${file.path} has no dotenv form, which ${runtime} reads the secrets of "${environment.name}" from: ${dotenv.problem}; recreate it with \`slipway secrets sync --env ${environment.name}\` (move the broken file away first)`,
    },
  ];
}

/** The dotenv form of the secrets file when the runtime needs it; the check above has ruled out a file without one. */
export function secretsDotenvBytes(environment: ResolvedEnvironment): Uint8Array | undefined {
  const { file, dotenv, generated } = environment.secrets;
  if (!file || generated.length === 0) return undefined;
  if (!dotenv || 'problem' in dotenv) throw new BugError(`${environment.name}: ${file.path} has no dotenv form, which the secrets check should have reported`);
  return dotenv.bytes;
}
