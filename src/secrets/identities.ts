import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';

/**
 * The age identities that may open existing secrets files, as sops itself finds them:
 * `SOPS_AGE_KEY` (the key text) and `SOPS_AGE_KEY_FILE` (a path). Comment lines are skipped.
 */
export function ageIdentities(env: Readonly<Record<string, string | undefined>>, cwd: string): string[] {
  const texts: string[] = [];
  if (env.SOPS_AGE_KEY) texts.push(env.SOPS_AGE_KEY);
  if (env.SOPS_AGE_KEY_FILE) {
    try {
      texts.push(readFileSync(resolve(cwd, env.SOPS_AGE_KEY_FILE), 'utf8'));
    } catch (error) {
      throw new UserError(`cannot read SOPS_AGE_KEY_FILE ${env.SOPS_AGE_KEY_FILE}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  return texts
    .flatMap((text) => text.split(/\r?\n/))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('AGE-SECRET-KEY-1'));
}
