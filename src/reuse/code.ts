import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareText } from '../core/diagnostics.js';
import { packageRoot } from '../core/paths.js';

/**
 * What stands for "the same Slipway" when a build reuses what an earlier build rendered: every
 * byte of its code, schemas and templates, the versions of the libraries that shape its output,
 * and Node's version. Any change — an upgrade, a local edit, a rebuilt `dist/` — renders everything
 * again, so a reused folder is always the one this exact code would write.
 */
let cached: { fingerprint: string; files: Array<[path: string, key: string]> } | undefined;

/**
 * `digestOf` gives the sha256 of one of the package's files (`key`: its path in the package), as
 * the digest of the source tree takes it: from the file's recorded status when that is unchanged.
 * Worked out once per process; a later call asks `digestOf` again for each file, so that a caller
 * keeping the files' statuses has them all.
 */
export function codeFingerprint(digestOf: (path: string, key: string) => string = readDigest): string {
  if (cached) {
    for (const [path, key] of cached.files) digestOf(path, key);
    return cached.fingerprint;
  }
  const files: Array<[string, string]> = [];
  const fingerprint = fingerprintOf(packageRoot(), fileURLToPath(import.meta.url).endsWith('.js') ? 'compiled' : 'source', (path, key) => {
    files.push([path, key]);
    return digestOf(path, key);
  });
  cached = { fingerprint, files };
  return fingerprint;
}

function readDigest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * The fingerprint of the Slipway package at `root`, running compiled (from dist/) or from its
 * TypeScript sources (under the tests). Compiled, the code that runs is the bundle the CLI and its
 * render workers load (dist/bundle, made from dist/src and dist/generators by `npm run build`):
 * that is what is hashed, not the modules it was made from, which the CLI never loads (a third of
 * the bytes, and a few tens of milliseconds of every build). Without a bundle, those modules.
 */
export function fingerprintOf(root: string, running: 'compiled' | 'source', digestOf: (path: string, key: string) => string = readDigest): string {
  const hash = createHash('sha256');
  hash.update(`node ${process.version}\0`);
  const bundled = running === 'compiled' && existsSync(join(root, 'dist', 'bundle', 'main.cjs'));
  const code = running === 'source' ? [] : bundled ? ['dist/bundle'] : ['dist/src', 'dist/generators'];
  // Beside the code, what it reads at run time: schemas, and the templates and assets beside the sources.
  const folders = running === 'source' ? ['src', 'generators', 'schemas'] : [...code, 'schemas', 'src', 'generators'];
  for (const folder of folders) {
    const only = running === 'source' || folder === 'schemas' ? undefined : folder.startsWith('dist/') ? /\.c?js$/ : /(?<!\.ts)$/;
    for (const path of filesUnder(join(root, folder), only)) {
      hash.update(`${folder}/${path}\0${digestOf(join(root, folder, path), `${folder}/${path}`)}\0`);
    }
  }
  const manifest = readFileSync(join(root, 'package.json'));
  hash.update(manifest);
  const dependencies = Object.keys((JSON.parse(manifest.toString('utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {}).sort(compareText);
  for (const name of dependencies) hash.update(`${name}@${installedVersion(root, name)}\0`);
  return hash.digest('hex');
}

/**
 * Every file under a folder, relative and sorted (only those `only` matches, when given: of compiled
 * code the JavaScript, beside it the templates and assets but not the TypeScript); test files and a
 * missing folder count for nothing.
 */
function filesUnder(folder: string, only?: RegExp): string[] {
  if (!existsSync(folder)) return [];
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(folder, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !/\.test\.[jt]s$/.test(entry.name) && (!only || only.test(entry.name))) found.push(path);
    }
  };
  walk('');
  return found.sort(compareText);
}

/** The version of a dependency as Node would find it from the package, or "absent". */
function installedVersion(root: string, name: string): string {
  for (let dir = root; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dirname(dir) === dir) return 'absent';
  }
}
