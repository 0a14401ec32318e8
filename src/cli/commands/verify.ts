import { resolve } from 'node:path';
import { ExitCode, type ExitCodeValue } from '../../core/errors.js';
import { verifyOutputTree } from '../../deploy-repo/index.js';
import { formatText } from '../../report/format.js';
// From the key module itself: sign/index.js also loads the key generators (OpenPGP, age), which verify never needs.
import { keyId } from '../../core/signing/keys.js';
import type { CliIo } from '../io.js';
import { revokedKeyIds, trustedKeys } from '../trusted-keys.js';

export interface VerifyCommandOptions {
  keys?: string;
  against?: string;
  /** Key ids whose signatures are refused (besides those the tree and the trusted state revoke). */
  revoked?: string[];
}

/**
 * Checks the root manifest and every environment's signature, file hashes and completeness (and,
 * with `--against`, that no manifest went back or off its chain); exit 3 naming every failure.
 * Files Slipway does not manage are listed as such and left alone.
 */
export async function runVerify(dir: string, options: VerifyCommandOptions, io: CliIo): Promise<ExitCodeValue> {
  const out = resolve(io.cwd, dir);
  const revoked = revokedKeyIds(options.revoked);
  const keys = await trustedKeys(options.keys, io, 'verify');
  const result = await verifyOutputTree(out, keys, { revoked, ...(options.against ? { against: { spec: options.against, cwd: io.cwd } } : {}) });
  for (const failure of result.failures) io.stderr(`${failure.file} ${failure.reason}\n`);
  for (const environment of result.environments) {
    io.stdout(`ok ${environment.name} ${environment.release} signed by ${environment.keyId}\n`);
  }
  for (const path of result.unmanaged) io.stdout(`unmanaged ${path} (not written by Slipway; not checked)\n`);
  // Findings as every command prints them, paths shown from where verify was run.
  const shown = { root: out, cwd: io.cwd, color: io.isTerminal && io.env.NO_COLOR === undefined };
  for (const finding of result.findings) io.stderr(`${formatText(finding, shown)}\n`);
  if (result.failures.length > 0) {
    const revokedNote = result.revoked?.length ? `; revoked: ${result.revoked.join(', ')}` : '';
    io.stderr(`verify failed: ${result.failures.length} problem(s); trusted keys: ${keys.map(keyId).join(', ')}${revokedNote}\n`);
    return ExitCode.integrity;
  }
  return ExitCode.ok;
}
