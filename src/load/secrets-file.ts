import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { UserError } from '../core/errors.js';
import { readSopsMetadata } from '../core/sops/index.js';
import { maxFileBytes } from './source-file.js';
import type { SecretsFile } from '../model/index.js';

export function readSecretsFile(root: string, path: string): { file?: SecretsFile; diagnostics: Diagnostic[] } {
  const absolute = join(root, path);
  if (!existsSync(absolute)) return { diagnostics: [] };
  const fail = (code: string, message: string) => ({ diagnostics: [{ severity: 'error' as const, code, file: path, line: 1, column: 1, message }] });
  if (statSync(absolute).size > maxFileBytes) return fail('file-too-large', 'secrets file is over 1 MiB; it cannot be a Slipway secrets file');
  const bytes = new Uint8Array(readFileSync(absolute));
  try {
    const metadata = readSopsMetadata(new TextDecoder().decode(bytes));
    return { file: { path, bytes, names: [...metadata.names].sort(), recipients: [...metadata.recipients].sort() }, diagnostics: [] };
  } catch (error) {
    if (error instanceof UserError) return fail('secrets-file-invalid', `${error.message}; recreate it with \`slipway secrets sync\` (move the broken file away first)`);
    throw error;
  }
}
