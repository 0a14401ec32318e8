import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The folder of Slipway's own package.json. Schemas and templates are read from there, so the same
 * code works from `src/` under vitest and from `dist/` after `tsc`.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the slipway package root');
    dir = parent;
  }
  cachedRoot = dir;
  return dir;
}

export function schemasDir(): string {
  return join(packageRoot(), 'schemas');
}

export function generatorsDir(): string {
  return join(packageRoot(), 'generators');
}
