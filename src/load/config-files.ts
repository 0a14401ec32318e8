import type { Diagnostic } from '../core/diagnostics.js';
import { positionOf, type ConfigFileContent, type SourceFile } from '../model/index.js';
import { decodeInput, readInputBytes } from './read-files.js';

/** A config file is mounted as a ConfigMap key or a Compose config: small text, as Kubernetes keeps a ConfigMap under 1 MiB. */
export const maxConfigFileBytes = 256 * 1024;

/**
 * The files a service.json names under `configFiles`, read here with the tree reader's policy (inside
 * the tree, regular files, a size limit, UTF-8) so that the resolved model carries their text and no
 * generator reads the source tree. The service.json is not schema-checked yet: only well-formed
 * entries are read, and the schema reports the rest.
 */
export function readConfigFiles(root: string, serviceFolder: string, service: SourceFile, into: Map<string, ConfigFileContent>, diagnostics: Diagnostic[]): void {
  const entries = (service.data as { configFiles?: unknown } | undefined)?.configFiles;
  if (!Array.isArray(entries)) return;
  entries.forEach((entry: unknown, index) => {
    const source = (entry as { source?: unknown } | null)?.source;
    // The schema's pattern: segments that never climb out (no "..") nor hide (no leading dot).
    if (typeof source !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/.test(source)) return;
    const path = `services/${serviceFolder}/${source}`;
    if (into.has(path)) return;
    const read = readInputBytes(root, path, `config file ${path}`, maxConfigFileBytes);
    if (read.kind === 'refused') {
      diagnostics.push(read.diagnostic);
      return;
    }
    if (read.kind === 'absent') {
      const at = positionOf(service, ['configFiles', index, 'source']);
      diagnostics.push({
        severity: 'error',
        code: 'config-file-missing',
        file: service.path,
        ...at,
        message: `config file ${path} does not exist; "source" is a path inside services/${serviceFolder}/ — add the file or correct the path`,
      });
      return;
    }
    const decoded = decodeInput(path, read.bytes);
    if ('diagnostic' in decoded) diagnostics.push(decoded.diagnostic);
    else into.set(path, { path, text: decoded.text });
  });
}
