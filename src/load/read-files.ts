import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { compareText, type Diagnostic } from '../core/diagnostics.js';
import { maxFileBytes, parseSourceFile } from './source-file.js';
import type { SourceFile } from '../model/index.js';

export interface ReadResult {
  file?: SourceFile;
  diagnostics: Diagnostic[];
}

/** Reads and parses one input file, refusing oversized files before they are read into memory. */
export function readSourceFile(root: string, relativePath: string): ReadResult {
  const absolute = join(root, relativePath);
  const size = statSync(absolute).size;
  if (size > maxFileBytes) {
    return {
      diagnostics: [
        {
          severity: 'error',
          code: 'file-too-large',
          file: relativePath,
          line: 1,
          column: 1,
          message: `file is ${size} bytes, over the limit of ${maxFileBytes} bytes (1 MiB); inputs this large are refused unread — split it or remove generated content`,
        },
      ],
    };
  }
  const text = readFileSync(absolute, 'utf8');
  return parseSourceFile(relativePath, text);
}

/** Directory entries sorted by name, or none when the directory does not exist. */
export function listDirectory(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true }).sort((a, b) => compareText(a.name, b.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
