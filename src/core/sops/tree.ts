/**
 * The walk over a sops data tree (sops.go walkBranch / walkSlice / walkValue) and the MAC.
 *
 * Every top-level entry but `sops` is visited in file order; mappings extend the path with
 * their key, list items keep their parent's path (so `a: [x, y]` binds both items to `a:`).
 * Nulls are skipped. A leaf is encrypted unless the crypt rule says otherwise for any key on its
 * path (shouldBeEncrypted). The MAC is SHA-512 over the `ToBytes` form of every leaf's
 * plaintext, in walk order (only encrypted leaves, after a fixed 32-byte prefix, when
 * `mac_only_encrypted` is set), printed as upper-case hex (`fmt.Sprintf("%X")`).
 */
import { createHash } from 'node:crypto';
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from 'yaml';
import { IntegrityError, UserError } from '../errors.js';
import { openValue, showPath } from './aes.js';
import { type CryptRules, SOPS_KEY } from './document.js';
import { macBytes, type SopsScalar } from './values.js';

/** sops.go MACOnlyEncryptedInitialization: sha256("sops"). */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

export interface Leaf {
  path: string[];
  node: Scalar;
  encrypted: boolean;
}

/** A leaf with its plaintext: for encrypted leaves also the exact bytes and sops type. */
export interface OpenLeaf extends Leaf {
  value: SopsScalar;
  plain?: Buffer;
  type?: string;
}

/** sops.go shouldBeEncrypted, without the comment rules (which Slipway rejects). */
export function shouldBeEncrypted(path: readonly string[], rules: CryptRules): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix && path.some((k) => k.endsWith(rules.unencryptedSuffix as string))) encrypted = false;
  if (rules.encryptedSuffix) encrypted = path.some((k) => k.endsWith(rules.encryptedSuffix as string));
  if (rules.unencryptedRegex) {
    const re = new RegExp(rules.unencryptedRegex);
    if (path.some((k) => re.test(k))) encrypted = false;
  }
  if (rules.encryptedRegex) {
    const re = new RegExp(rules.encryptedRegex);
    encrypted = path.some((k) => re.test(k));
  }
  return encrypted;
}

/** Every non-null scalar of the data tree, in the order sops walks them. */
export function collectLeaves(doc: Document, root: YAMLMap, rules: CryptRules): Leaf[] {
  const leaves: Leaf[] = [];
  const seen = new Set<Node>();
  const visit = (node: unknown, path: string[]): void => {
    if (node === null || node === undefined) return;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target || seen.has(target)) throw new UserError(`the SOPS file has an unresolvable alias at ${showPath(path)}`);
      seen.add(target);
      visit(target, path);
      seen.delete(target);
    } else if (isScalar(node)) {
      if (node.value === null || node.value === undefined) return;
      leaves.push({ path, node, encrypted: shouldBeEncrypted(path, rules) });
    } else if (isMap(node)) {
      visitMap(node, path, false);
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item, path);
    } else {
      throw new UserError(`the SOPS file holds an unsupported YAML node at ${showPath(path)}`);
    }
  };
  const visitMap = (map: YAMLMap, path: string[], top: boolean): void => {
    for (const p of map.items) {
      const key = isScalar(p.key) ? p.key.value : undefined;
      if (typeof key !== 'string') {
        throw new UserError(`the SOPS file has a key that is not a string under ${showPath(path)}`);
      }
      if (top && key === SOPS_KEY) continue;
      visit(p.value, [...path, key]);
    }
  };
  visitMap(root, [], true);
  return leaves;
}

/** The plaintext of an unencrypted leaf, typed as yaml.v3 would decode it. */
function clearValue(leaf: Leaf): SopsScalar {
  const v: unknown = leaf.node.value;
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new UserError(`the unencrypted value at ${showPath(leaf.path)} has an unsupported type`);
}

/** Decrypt every encrypted leaf with the data key. */
export function openLeaves(leaves: readonly Leaf[], dataKey: Uint8Array): OpenLeaf[] {
  return leaves.map((leaf): OpenLeaf => {
    if (!leaf.encrypted) return { ...leaf, value: clearValue(leaf) };
    const text: unknown = leaf.node.value;
    if (typeof text !== 'string') {
      throw new IntegrityError(`the value at ${showPath(leaf.path)} should be encrypted but is not`);
    }
    const opened = openValue(text, dataKey, leaf.path);
    return { ...leaf, value: opened.value, plain: opened.plain, type: opened.type };
  });
}

/** The MAC sops computes over these leaves (upper-case hex of SHA-512). */
export function computeMac(leaves: readonly OpenLeaf[], macOnlyEncrypted: boolean): string {
  const hash = createHash('sha512');
  if (macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  for (const leaf of leaves) {
    if (macOnlyEncrypted && !leaf.encrypted) continue;
    // Strings hash as their exact bytes; ints, floats and bools in Go's canonical text
    // (ToBytes of the parsed value: "007" hashes as "7", "true" as "True").
    const raw = leaf.type === 'str' || leaf.type === 'bytes' ? leaf.plain : undefined;
    hash.update(raw ?? macBytes(leaf.value));
  }
  return hash.digest('hex').toUpperCase();
}
