import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { IntegrityError, UserError } from '../core/errors.js';
import { checkDeployTree, readDeployTree, readIndex, type IndexEntry } from '../deploy-repo/index.js';
import { RELEASE_INDEX_SIGNATURE_FILE, type ReleaseIndex } from '../sign/release-index.js';
import { addRevocations } from '../sign/revocation.js';

/** A built output tree, read whole, verified, ready to publish. */
export interface BuiltOutput {
  files: Map<string, Uint8Array>;
  /** `index.json`'s entries: every environment of the source, ready or blocked, as the signed root manifest says. */
  index: Map<string, IndexEntry>;
  /** The signed root manifest: which environments exist, their status and manifests. */
  releaseIndex: ReleaseIndex;
  /** Each signature file of the tree → the id of the key it verifies under. */
  signers: Map<string, string>;
  /**
   * Hand-written files of extra/ folders the output holds (kept there by `build --out`): never
   * committed, since publish leaves the deploy repository's extra/ folders exactly as they are.
   */
  extra?: string[];
}

/** The git object id of a blob (SHA-1, as GitHub and default git repositories use). */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * Reads `--out` and refuses anything that should not reach a deploy repository, exactly as
 * `slipway verify` would (`checkDeployTree`): a signature that does not verify under the trusted
 * keys, any file added, removed or changed against the signed manifests, a link or special file,
 * an unsigned (`--no-sign`) build; and a file Slipway does not write. index.json is signed through
 * the root manifest, and must also say what it says about every environment: which environments
 * exist and whether they are blocked is never taken from an unsigned file.
 */
export function readOutput(dir: string, trustedKeys: readonly Uint8Array[], revoked: readonly string[] = []): BuiltOutput {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${dir}: no such folder; build first (slipway build --out ${dir})`);
  const tree = readDeployTree(dir, 'everything');
  if (!tree.files.has('index.json') && !tree.environments.size) throw new UserError(`${dir} is not Slipway output (no index.json, no environments/)`);
  const check = checkDeployTree(tree, trustedKeys, addRevocations(new Map(), revoked, '--revoked'));
  const problems = check.failures.map((failure) => `${failure.file} ${failure.reason}`);
  const extra = new Set(check.extra.map((file) => file.path));
  for (const path of check.unmanaged) if (!extra.has(path)) problems.push(`${path} is not a file Slipway writes (publish never commits what the build did not sign)`);
  const index = readIndex(tree.files);
  if (check.releaseIndex) problems.push(...disagreements(index, check.releaseIndex));
  if (problems.length || !check.releaseIndex) {
    throw new IntegrityError(`refusing to publish ${dir}: it does not verify (nothing was committed)\n  ${problems.join('\n  ')}\nBuild again (signed), or run \`slipway verify ${dir}\` to see every problem.`);
  }
  const signers = new Map<string, string>(check.environments.map((environment) => [`environments/${environment.name}/release.json.sig`, environment.keyId]));
  if (check.rootSignedBy) signers.set(RELEASE_INDEX_SIGNATURE_FILE, check.rootSignedBy);
  const files = extra.size === 0 ? tree.files : new Map([...tree.files].filter(([path]) => !extra.has(path)));
  return { files, index, releaseIndex: check.releaseIndex, signers, ...(extra.size > 0 ? { extra: [...extra] } : {}) };
}

/** Where index.json says something else than the signed root manifest about the environments. */
function disagreements(index: ReadonlyMap<string, IndexEntry>, signed: ReleaseIndex): string[] {
  const problems: string[] = [];
  const listed = new Set(signed.environments.map((entry) => entry.name));
  for (const entry of signed.environments) {
    const held = index.get(entry.name);
    if (!held) problems.push(`index.json has no entry for environment ${entry.name}, which release-index.json lists`);
    else if (held.status !== entry.status || held.manifestSha256 !== entry.manifestSha256) {
      problems.push(`index.json says environment ${entry.name} is ${held.status} with manifest ${held.manifestSha256 ?? 'none'}; release-index.json says ${entry.status} with ${entry.manifestSha256 ?? 'none'}`);
    }
  }
  for (const name of index.keys()) if (!listed.has(name)) problems.push(`index.json lists environment ${name}, which release-index.json does not`);
  return problems;
}
