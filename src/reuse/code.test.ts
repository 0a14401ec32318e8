import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintOf } from './code.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A package laid out as npm installs Slipway: compiled modules, the bundle made of them, schemas and templates. */
function installedPackage(withBundle: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'slipway-fingerprint-'));
  roots.push(root);
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'slipway', version: '1.0.0', dependencies: {} }),
    'dist/src/compile.js': 'export const compile = 1;\n',
    'dist/generators/readme/index.js': 'export const readme = 1;\n',
    'schemas/environment.schema.json': '{}\n',
    'generators/readme/README.md.hbs': '# {{name}}\n',
    'generators/readme/index.ts': 'export const readme = 1;\n',
  };
  if (withBundle) Object.assign(files, { 'dist/bundle/main.cjs': 'exports.main = 1;\n', 'dist/bundle/chunk-A.js': 'export const a = 1;\n' });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** Whether `change` changes the fingerprint of the package running compiled. */
function changed(root: string, change: () => void): boolean {
  const before = fingerprintOf(root, 'compiled');
  change();
  return fingerprintOf(root, 'compiled') !== before;
}

describe('the code fingerprint', () => {
  it('with a bundle, covers the bundle the CLI runs, the schemas and the templates, not the modules the bundle was made from', () => {
    const root = installedPackage(true);
    const edit = (path: string) => () => writeFileSync(join(root, path), '// edited\n', { flag: 'a' });
    expect(changed(root, edit('dist/bundle/chunk-A.js'))).toBe(true);
    expect(changed(root, () => writeFileSync(join(root, 'dist/bundle/chunk-B.js'), 'export const b = 1;\n'))).toBe(true);
    expect(changed(root, edit('schemas/environment.schema.json'))).toBe(true);
    expect(changed(root, edit('generators/readme/README.md.hbs'))).toBe(true);
    expect(changed(root, () => writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'slipway', version: '1.0.1', dependencies: {} })))).toBe(true);
    // What the CLI never loads: the compiled modules (bundled already) and the TypeScript beside the templates.
    expect(changed(root, edit('dist/src/compile.js'))).toBe(false);
    expect(changed(root, edit('dist/generators/readme/index.js'))).toBe(false);
    expect(changed(root, edit('generators/readme/index.ts'))).toBe(false);
  });

  it('without a bundle, covers the compiled modules', () => {
    const root = installedPackage(false);
    expect(changed(root, () => writeFileSync(join(root, 'dist/src/compile.js'), '// edited\n', { flag: 'a' }))).toBe(true);
    expect(changed(root, () => writeFileSync(join(root, 'dist/generators/readme/index.js'), '// edited\n', { flag: 'a' }))).toBe(true);
  });

  it('running from the TypeScript sources, covers them', () => {
    const root = installedPackage(true);
    const before = fingerprintOf(root, 'source');
    writeFileSync(join(root, 'generators/readme/index.ts'), '// edited\n', { flag: 'a' });
    expect(fingerprintOf(root, 'source')).not.toBe(before);
  });
});
