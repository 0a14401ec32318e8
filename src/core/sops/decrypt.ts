/**
 * Opening a sops YAML file: recover the data key with an age identity, decrypt every value,
 * recompute the MAC and compare it with the stored one (decrypted with the data key and
 * `lastmodified` as additional data, as cmd/sops/common DecryptTree does). Nothing is returned
 * unless the MAC matches. Messages name paths and recipients, never values or MACs.
 */
import { timingSafeEqual } from 'node:crypto';
import { type Document, isAlias, isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { IntegrityError } from '../errors.js';
import { openWithAad } from './aes.js';
import { unwrapDataKey } from './age.js';
import { parseSopsText, type SopsMetadata, SOPS_KEY } from './document.js';
import { collectLeaves, computeMac, type OpenLeaf, openLeaves } from './tree.js';
import { toPlainScalar } from './values.js';

export interface OpenedSops {
  doc: Document;
  root: YAMLMap;
  meta: SopsMetadata;
  dataKey: Buffer;
  leaves: OpenLeaf[];
}

/**
 * Decrypt the stored MAC (bound to `lastmodified` as Go formats it) and compare it with the one
 * computed over `leaves`. Neither MAC appears in the message: a MAC is a hash of the plaintext.
 */
function verifyMac(meta: SopsMetadata, leaves: readonly OpenLeaf[], dataKey: Uint8Array): void {
  if (meta.mac === '') throw new IntegrityError('the SOPS file has no MAC');
  const stored = openWithAad(meta.mac, dataKey, meta.lastModifiedAad, 'the SOPS MAC');
  if (stored.type !== 'str') throw new IntegrityError('the SOPS MAC is not a string');
  const computed = Buffer.from(computeMac(leaves, meta.macOnlyEncrypted), 'latin1');
  if (stored.plain.length !== computed.length || !timingSafeEqual(stored.plain, computed)) {
    throw new IntegrityError('MAC mismatch: the SOPS file was altered after it was encrypted');
  }
}

/** Parse, unwrap the data key, decrypt all values and verify the MAC. */
export async function openSops(text: string, identities: readonly string[]): Promise<OpenedSops> {
  const { doc, root, meta } = parseSopsText(text);
  const leaves = collectLeaves(doc, root, meta.rules);
  const dataKey = await unwrapDataKey(meta.age, identities);
  const opened = openLeaves(leaves, dataKey);
  verifyMac(meta, opened, dataKey);
  return { doc, root, meta, dataKey, leaves: opened };
}

/** The decrypted data as plain JS: mappings as objects, lists as arrays, typed scalars. */
function toPlain(opened: OpenedSops): Record<string, unknown> {
  const values = new Map(opened.leaves.map((l) => [l.node, l.value] as const));
  const convert = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return convert(node.resolve(opened.doc));
    if (isScalar(node)) {
      const v = values.get(node);
      return v === undefined ? (node.value ?? null) : toPlainScalar(v);
    }
    if (isMap(node)) return mapToObject(node, false);
    if (isSeq(node)) return node.items.map(convert);
    return null;
  };
  const mapToObject = (map: YAMLMap, top: boolean): Record<string, unknown> =>
    Object.fromEntries(
      map.items
        .filter((p) => !(top && isScalar(p.key) && p.key.value === SOPS_KEY))
        .map((p) => [String(isScalar(p.key) ? p.key.value : ''), convert(p.value)]),
    );
  return mapToObject(opened.root, true);
}

/**
 * Decrypt a sops YAML file with any of the age identities (`AGE-SECRET-KEY-1…`, or whole key
 * files). Throws a UserError when no identity fits and an IntegrityError when the file was
 * altered (a value fails authentication or the MAC does not match).
 */
export async function decryptSopsYaml(text: string, identities: string[]): Promise<Record<string, unknown>> {
  return toPlain(await openSops(text, identities));
}
