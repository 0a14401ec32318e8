import type { Diagnostic } from '../core/diagnostics.js';
import { UserError } from '../core/errors.js';
import { readCanonicalSops } from '../core/sops/canonical.js';
import { parseSopsText, sopsMetadataOf } from '../core/sops/document.js';
import { sopsDotenvOf } from '../core/sops/dotenv.js';
import { textBytes } from '../core/serialize.js';
import { decodeInput, readInputBytes } from './read-files.js';
import type { SecretsFile } from '../model/index.js';

export function readSecretsFile(root: string, path: string): { file?: SecretsFile; diagnostics: Diagnostic[] } {
  const read = readInputBytes(root, path, 'the secrets file');
  if (read.kind === 'absent') return { diagnostics: [] };
  if (read.kind === 'refused') return { diagnostics: [read.diagnostic] };
  const bytes = new Uint8Array(read.bytes);
  const decoded = decodeInput(path, bytes);
  if ('diagnostic' in decoded) return { diagnostics: [decoded.diagnostic] };
  // The layout sops writes is read without the YAML parser; any other goes through it, findings and all.
  const canonical = readCanonicalSops(decoded.text);
  if (canonical) {
    const { names, recipients, dotenv } = canonical;
    return { file: { path, bytes, names: names.sort(), recipients: recipients.sort(), dotenv: { bytes: textBytes(dotenv) } }, diagnostics: [] };
  }
  try {
    const parsed = parseSopsText(decoded.text);
    const metadata = sopsMetadataOf(parsed);
    return { file: { path, bytes, names: [...metadata.names].sort(), recipients: [...metadata.recipients].sort(), dotenv: dotenvForm(parsed) }, diagnostics: [] };
  } catch (error) {
    if (error instanceof UserError) {
      return { diagnostics: [{ severity: 'error', code: 'secrets-file-invalid', file: path, line: 1, column: 1, message: `${error.message}; recreate it with \`slipway secrets sync\` (move the broken file away first)` }] };
    }
    throw error;
  }
}

/**
 * The metadata is all load needs to check; a file may still hold what a dotenv file cannot. That is
 * the user's to fix, so it is carried as a problem for the generators' checks to report, never thrown here.
 */
function dotenvForm(parsed: ReturnType<typeof parseSopsText>): SecretsFile['dotenv'] {
  try {
    return { bytes: textBytes(sopsDotenvOf(parsed)) };
  } catch (error) {
    if (error instanceof UserError) return { problem: error.message };
    throw error;
  }
}
