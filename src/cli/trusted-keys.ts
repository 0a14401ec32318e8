import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { loadTrustedKeys } from '../deploy-repo/index.js';
import { KEY_ID } from '../sign/revocation.js';
import type { CliIo } from './io.js';

/** The trusted release keys of `--keys DIR` (default `keys`, the source tree's folder of *.pub.pem). */
export async function trustedKeys(option: string | undefined, io: CliIo, command: string): Promise<Uint8Array[]> {
  const dir = resolve(io.cwd, option ?? 'keys');
  if (!existsSync(dir)) throw new UsageError(`no trusted keys: ${option ?? 'keys'} does not exist (${command} checks signatures under them: pass --keys DIR holding the release *.pub.pem files)`);
  const keys = await loadTrustedKeys(dir);
  if (keys.length === 0) throw new UsageError(`no trusted keys: ${dir} holds no *.pub.pem file (${command} checks signatures under them)`);
  return keys;
}

/**
 * `--revoked KEYID` (repeatable, or comma-separated): release keys whose signatures verify and
 * publish refuse even while they are in the trusted folder and the tree does not revoke them.
 */
export function revokedKeyIds(values: readonly string[] | undefined): string[] {
  const ids = (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
  const bad = ids.filter((id) => !KEY_ID.test(id));
  if (bad.length > 0) throw new UsageError(`--revoked ${bad.map((id) => JSON.stringify(id)).join(', ')}: a key id is 16 lowercase hex digits, as verify prints it after "signed by"`);
  return [...new Set(ids)].sort();
}
