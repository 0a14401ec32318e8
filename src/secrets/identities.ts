import { resolve } from 'node:path';
import { readNamedFile } from '../core/regular-file.js';

/**
 * The age identities that may open existing secrets files, as sops itself finds them:
 * `SOPS_AGE_KEY` (the key text) and `SOPS_AGE_KEY_FILE` (a path). Comment lines are skipped.
 */
export function ageIdentities(env: Readonly<Record<string, string | undefined>>, cwd: string): string[] {
  const texts: string[] = [];
  if (env.SOPS_AGE_KEY) texts.push(env.SOPS_AGE_KEY);
  if (env.SOPS_AGE_KEY_FILE) {
    texts.push(readNamedFile(resolve(cwd, env.SOPS_AGE_KEY_FILE), `SOPS_AGE_KEY_FILE ${env.SOPS_AGE_KEY_FILE}`));
  }
  return texts
    .flatMap((text) => text.split(/\r?\n/))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('AGE-SECRET-KEY-1'));
}
