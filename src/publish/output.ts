import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { IntegrityError, UserError } from '../core/errors.js';
import { refusalLines } from '../core/tree.js';
import { checkEnvironmentFolder, readDeployTree, readIndex, type IndexEntry } from '../deploy-repo/index.js';
import { MANIFEST_FILE } from '../sign/manifest.js';

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
 * not Slipway output, a link or special file anywhere in it, an environment folder whose files do
 * not match its manifest, an unsigned manifest (a `--no-sign` pull-request build). Signatures are
 * checked by `slipway verify`, which the workflow runs first; here only their presence is.
 */
export function readOutput(dir: string): BuiltOutput {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${dir}: no such folder; build first (slipway build --out ${dir})`);
  const tree = readDeployTree(dir, 'everything');
  if (!tree.files.has('index.json')) throw new UserError(`${dir} is not Slipway output (no index.json)`);
  const index = readIndex(tree.files);
  // Links outside the environment folders; those inside are reported with their folder.
  const problems = refusalLines(new Map([...tree.refused].filter(([path]) => !/^environments\/[^/]+\/./s.test(path))));
  for (const [name, folder] of tree.environments) {
    if (!index.has(name)) problems.push(`environments/${name}/ is not listed in index.json`, ...refusalLines(folder.refused, `environments/${name}/`));
    else problems.push(...checkEnvironmentFolder(name, folder, 'present').problems.map((problem) => `${problem.file} ${problem.reason}`));
  }
  for (const [name, entry] of index) {
    if (entry.status === 'ready' && !tree.environments.has(name)) problems.push(`environments/${name}/${MANIFEST_FILE} is missing for a ready environment`);
  }
  if (problems.length) throw new IntegrityError(`refusing to publish ${dir}:\n  ${problems.join('\n  ')}`);
  return { files: tree.files, index };
}
