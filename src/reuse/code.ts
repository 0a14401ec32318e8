import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareText } from '../core/diagnostics.js';
import { sha256Hex } from '../core/digest.js';
import { packageRoot } from '../core/paths.js';
import { digestByStatus, settledMs, type FileStatuses } from './file-status.js';

/**
 * What stands for "the same Slipway" when a build reuses what an earlier build rendered: every
 * byte of its code, schemas and templates, the versions of the libraries that shape its output,
 * and Node's version. Any change — an upgrade, a local edit, a rebuilt `dist/` — renders everything
 * again, so a reused folder is always the one this exact code would write.
 */
let cached: { fingerprint: string; statuses: FileStatuses } | undefined;

/**
 * The fingerprint of the running package, and the statuses of the files it hashed (keyed
 * `slipway:<path>`, which no path of a source tree can be), for a digest of the tree to record:
 * each file is taken at its digest in `known` while its status is unchanged (see `FileStatuses`).
 * Worked out once per process, from the statuses the first caller knows.
 */
export function codeFingerprint(known?: FileStatuses, settledBefore = Date.now() - settledMs): { fingerprint: string; statuses: FileStatuses } {
  if (!cached) {
    const statuses = Object.create(null) as FileStatuses;
    // One too large for an input, or a link (an installation may link its files), is read every time.
    const digestOf = (path: string, key: string) => digestByStatus(path, `slipway:${key}`, known, statuses, settledBefore) ?? readDigest(path);
    cached = { fingerprint: fingerprintOf(packageRoot(), fileURLToPath(import.meta.url).endsWith('.js') ? 'compiled' : 'source', digestOf), statuses };
  }
  return cached;
}

function readDigest(path: string): string {
  return sha256Hex(readFileSync(path));
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
