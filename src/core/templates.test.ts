import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './paths.js';
import { TEMPLATE_PATHS } from './templates.js';

function templatesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return templatesUnder(path);
    return name.endsWith('.hbs') ? [relative(packageRoot(), path).split('\\').join('/')] : [];
  });
}

describe('templates', () => {
  it('lists every template of the package, so npm run build precompiles each one', () => {
    const found = ['src', 'generators'].flatMap((folder) => templatesUnder(join(packageRoot(), folder))).sort();
    expect([...TEMPLATE_PATHS].sort()).toEqual(found);
  });
});
