import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { environmentFolders, readIndex, type IndexEntry } from '../diff/tree.js';
import { IntegrityError, UserError } from '../core/errors.js';
import { MANIFEST_FILE, SIGNATURE_FILE, parseManifest } from '../sign/manifest.js';
import { sha256Hex } from '../core/digest.js';

/** A built output tree, read whole, checked, ready to publish. */
export interface BuiltOutput {
  files: Map<string, Uint8Array>;
  /** `index.json`'s entries: every environment of the source, ready or blocked. */
  index: Map<string, IndexEntry>;
}

/** The git object id of a blob (SHA-1, as GitHub and default git repositories use). */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * Reads `--out` and refuses anything that should not reach a deploy repository: a folder that is
 * not Slipway output, an environment folder whose files do not match its manifest, an unsigned
 * manifest (a `--no-sign` pull-request build). Signatures are checked by `slipway verify`, which
 * the workflow runs first; here only their presence is.
 */
export function readOutput(dir: string): BuiltOutput {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: no such folder; build first (slipway build --out ${dir})`);
  const files = new Map<string, Uint8Array>();
  const walk = (current: string, prefix: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (lstatSync(path).isSymbolicLink()) throw new IntegrityError(`${prefix}${entry.name} is a symbolic link; Slipway output holds regular files only`);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile()) files.set(`${prefix}${entry.name}`, new Uint8Array(readFileSync(path)));
    }
  };
  walk(dir, '');
  if (!files.has('index.json')) throw new UserError(`${dir} is not Slipway output (no index.json)`);
  const index = readIndex(files);
  const problems: string[] = [];
  for (const [name, folder] of environmentFolders(files)) {
    if (!index.has(name)) problems.push(`environments/${name}/ is not listed in index.json`);
    else problems.push(...folderProblems(name, folder));
  }
  for (const [name, entry] of index) {
    if (entry.status === 'ready' && !files.has(`environments/${name}/${MANIFEST_FILE}`)) problems.push(`environments/${name}/${MANIFEST_FILE} is missing for a ready environment`);
  }
  if (problems.length) throw new IntegrityError(`refusing to publish ${dir}:\n  ${problems.join('\n  ')}`);
  return { files, index };
}

function folderProblems(name: string, folder: Map<string, Uint8Array>): string[] {
  const at = `environments/${name}/`;
  const manifestBytes = folder.get(MANIFEST_FILE);
  if (!manifestBytes) return [`${at}${MANIFEST_FILE} is missing`];
  if (!folder.has(SIGNATURE_FILE)) return [`${at}${MANIFEST_FILE} is not signed (built with --no-sign?): publish only signed builds`];
  let manifest;
  try {
    manifest = parseManifest(manifestBytes, `${at}${MANIFEST_FILE}`);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  if (manifest.environment !== name) problems.push(`${at}${MANIFEST_FILE} names environment "${manifest.environment}"`);
  const listed = new Set<string>([MANIFEST_FILE, SIGNATURE_FILE]);
  for (const file of manifest.files) {
    listed.add(file.path);
    const bytes = folder.get(file.path);
    if (!bytes) problems.push(`${at}${file.path} is listed in ${MANIFEST_FILE} but missing`);
    else if (bytes.length !== file.size || sha256Hex(bytes) !== file.sha256) problems.push(`${at}${file.path} does not match ${MANIFEST_FILE}`);
  }
  for (const path of folder.keys()) if (!listed.has(path)) problems.push(`${at}${path} is not listed in ${MANIFEST_FILE}`);
  return problems;
}
