/**
 * Changing an existing sops YAML file, with sops' edit semantics: the file is opened (MAC
 * verified), the changed top-level values are sealed under the SAME data key with fresh IVs,
 * unchanged values keep their exact ciphertext (sops' cipher stash re-uses the IV of an
 * unchanged value, which yields the same bytes), the age blocks are kept as they are, and the
 * MAC is recomputed under the new `lastmodified`.
 *
 * When the recipients change, the data key is replaced: every encrypted value is re-sealed
 * under a new key, so a removed recipient's copy of the old key opens nothing new.
 */
import { isScalar, Pair, Scalar, type YAMLMap } from 'yaml';
import { UserError } from '../errors.js';
import { additionalData, sealString, sealValue, SOPS_IV_BYTES } from './aes.js';
import { type AgeEntry, normaliseRecipients } from './age.js';
import { formatLastModified, keyNode, stringifySops, topLevelNames } from './document.js';
import { type OpenedSops, openSops } from './decrypt.js';
import { checkEntry, type RandomSource, randomSource, sealMac, wrapForAll } from './encrypt.js';
import { collectLeaves, computeMac, openLeaves } from './tree.js';

export interface SopsUpdateOptions {
  lastModified: Date;
  /** The new recipient set; unchanged (as a set) when omitted. */
  recipients?: string[];
  /** Inject randomness for tests: must return `n` bytes. Defaults to node:crypto. */
  randomBytes?: (n: number) => Uint8Array;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function isSorted(names: readonly string[]): boolean {
  return names.every((n, i) => i === 0 || (names[i - 1] as string) <= n);
}

/** Re-seal every encrypted value of the opened file under `newKey` (exact bytes, same type). */
function resealAll(opened: OpenedSops, newKey: Uint8Array, random: RandomSource): void {
  for (const leaf of opened.leaves) {
    if (!leaf.encrypted || leaf.plain === undefined || leaf.type === undefined) continue;
    leaf.node.value = sealValue(leaf.plain, leaf.type, newKey, random(SOPS_IV_BYTES), additionalData(leaf.path));
  }
}

/** Insert a new top-level entry: in sorted position when the names were sorted, else last. */
function insertPair(root: YAMLMap, pair: Pair, name: string, sorted: boolean): void {
  const names = root.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
  const at = sorted ? names.findIndex((n) => n > name) : -1;
  if (at < 0) root.items.push(pair);
  else root.items.splice(at, 0, pair);
}

/**
 * Add or replace top-level string values of a sops YAML file. Returns the text unchanged when
 * every value already equals its change and the recipients are the same set.
 */
export async function addOrReplaceSopsValues(
  text: string,
  identities: string[],
  changes: Record<string, string>,
  options: SopsUpdateOptions,
): Promise<string> {
  const opened = await openSops(text, identities);
  const { doc, root, meta } = opened;
  if (meta.otherKeys) {
    throw new UserError('this SOPS file also uses kms, pgp or vault keys; Slipway only rewrites age-only files');
  }
  const lastModified = formatLastModified(options.lastModified);
  const current = meta.age.map((e) => e.recipient);
  const recipients = options.recipients === undefined ? current : normaliseRecipients(options.recipients);
  const keepKey = sameSet(current, recipients);
  const random = randomSource(options.randomBytes);

  const names = Object.keys(changes).sort();
  for (const name of names) checkEntry(name, changes[name], meta.rules);
  const byName = new Map(root.items.map((p) => [isScalar(p.key) ? p.key.value : undefined, p] as const));
  const leafOf = new Map(opened.leaves.map((l) => [l.node, l] as const));
  const todo = names.filter((name) => {
    const pair = byName.get(name);
    const leaf = isScalar(pair?.value) ? leafOf.get(pair.value) : undefined;
    return !(leaf?.encrypted && leaf.type === 'str' && leaf.path.length === 1 && leaf.value === changes[name]);
  });
  if (todo.length === 0 && keepKey) return text;

  let dataKey: Uint8Array = opened.dataKey;
  let age: AgeEntry[] = meta.age;
  if (!keepKey) {
    dataKey = random(32);
    resealAll(opened, dataKey, random);
    age = await wrapForAll(dataKey, recipients);
  }
  const sorted = isSorted(topLevelNames(root));
  for (const name of todo) {
    const value = changes[name] as string;
    const node = new Scalar(value === '' ? '' : sealString(value, dataKey, random(SOPS_IV_BYTES), additionalData([name])));
    const pair = byName.get(name);
    if (pair) pair.value = node;
    else insertPair(root, new Pair(keyNode(name), node), name, sorted);
  }

  const leaves = openLeaves(collectLeaves(doc, root, meta.rules), dataKey);
  const mac = sealMac(computeMac(leaves, meta.macOnlyEncrypted), dataKey, lastModified, random);
  return stringifySops(doc, root, { age, lastModified, mac, rules: meta.rules, macOnlyEncrypted: meta.macOnlyEncrypted });
}
