import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { loadTrustedKeys } from '../deploy-repo/index.js';
import type { CliIo } from './io.js';

/** The trusted release keys of `--keys DIR` (default `keys`, the source tree's folder of *.pub.pem). */
export async function trustedKeys(option: string | undefined, io: CliIo, command: string): Promise<Uint8Array[]> {
  const dir = resolve(io.cwd, option ?? 'keys');
  if (!existsSync(dir)) throw new UsageError(`no trusted keys: ${option ?? 'keys'} does not exist (${command} checks signatures under them: pass --keys DIR holding the release *.pub.pem files)`);
  const keys = await loadTrustedKeys(dir);
  if (keys.length === 0) throw new UsageError(`no trusted keys: ${dir} holds no *.pub.pem file (${command} checks signatures under them)`);
  return keys;
}
