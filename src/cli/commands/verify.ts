import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, UsageError, type ExitCodeValue } from '../../core/errors.js';
import { loadTrustedKeys, verifyOutputTree } from '../../deploy-repo/index.js';
import { keyId } from '../../sign/index.js';
import type { CliIo } from '../io.js';

export interface VerifyCommandOptions {
  keys?: string;
}

/** Checks every environment's signature, file hashes and completeness; exit 3 naming every failure. */
export async function runVerify(dir: string, options: VerifyCommandOptions, io: CliIo): Promise<ExitCodeValue> {
  const out = resolve(io.cwd, dir);
  const keysDir = resolve(io.cwd, options.keys ?? 'keys');
  if (!existsSync(keysDir)) throw new UsageError(`no trusted keys: ${options.keys ?? 'keys'} does not exist (pass --keys DIR holding *.pub.pem files)`);
  const keys = await loadTrustedKeys(keysDir);
  if (keys.length === 0) throw new UsageError(`no trusted keys: ${keysDir} holds no *.pub.pem file`);
  const result = await verifyOutputTree(out, keys);
  for (const failure of result.failures) io.stderr(`${failure.file} ${failure.reason}\n`);
  for (const environment of result.environments) {
    io.stdout(`ok ${environment.name} ${environment.release} signed by ${environment.keyId}\n`);
  }
  if (result.failures.length > 0) {
    io.stderr(`verify failed: ${result.failures.length} problem(s); trusted keys: ${keys.map(keyId).join(', ')}\n`);
    return ExitCode.integrity;
  }
  return ExitCode.ok;
}
