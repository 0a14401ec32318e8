/**
 * Writing a new sops YAML file from a flat NAME → string map, as `sops -e` would: a fresh
 * 32-byte data key age-encrypted to every recipient, each value sealed with AES-256-GCM under
 * a fresh 32-byte IV and its key path as additional data, then the MAC over the plaintexts in
 * file order, sealed with `lastmodified` as additional data.
 *
 * Randomness is drawn in a fixed order — the data key, one IV per non-empty value in sorted
 * name order, the MAC's IV — from `randomBytes` when given (tests), else node:crypto. The age
 * blocks draw their own randomness inside `age-encryption` (crypto.getRandomValues).
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { Document, Pair, Scalar, YAMLMap } from 'yaml';
import { BugError, UserError } from '../errors.js';
import { additionalData, sealString, SOPS_IV_BYTES } from './aes.js';
import { type AgeEntry, normaliseRecipients, wrapDataKey } from './age.js';
import { type CryptRules, DEFAULT_UNENCRYPTED_SUFFIX, formatLastModified, keyNode, SOPS_KEY, stringifySops } from './document.js';
import { computeMac, type OpenLeaf, shouldBeEncrypted } from './tree.js';
import { hasLoneSurrogate } from './values.js';

export interface SopsEncryptOptions {
  /** age X25519 public keys (`age1…`); the data key is encrypted to each. */
  recipients: string[];
  /** Written as `sops.lastmodified` (UTC, whole seconds) and binding the MAC. */
  lastModified: Date;
  /** Inject randomness for tests: must return `n` bytes. Defaults to node:crypto. */
  randomBytes?: (n: number) => Uint8Array;
}

export type RandomSource = (n: number) => Uint8Array;

/** The random source, checked to return exactly the bytes asked for. */
export function randomSource(injected?: RandomSource): RandomSource {
  const source = injected ?? ((n: number) => nodeRandomBytes(n));
  return (n: number) => {
    const out = source(n);
    if (!(out instanceof Uint8Array) || out.length !== n) throw new BugError(`randomBytes(${n}) must return ${n} bytes`);
    return Uint8Array.from(out);
  };
}

/** Checks a name and value Slipway is about to write; the value itself never appears. */
export function checkEntry(name: string, value: unknown, rules: CryptRules): asserts value is string {
  if (typeof name !== 'string' || name === SOPS_KEY) {
    throw new UserError(`${JSON.stringify(name)} cannot be a secret name in a SOPS file (it is reserved)`);
  }
  if (typeof value !== 'string') throw new UserError(`the value for ${name} must be a string`);
  if (hasLoneSurrogate(value)) throw new UserError(`the value for ${name} is not valid Unicode text`);
  if (!shouldBeEncrypted([name], rules)) {
    throw new UserError(`the name ${name} would be stored unencrypted by the file's sops rules; choose another name`);
  }
}

/** Seal string values under the data key, in the given order; returns the nodes and the MAC leaves. */
function sealEntries(
  entries: Readonly<[string, string]>[],
  dataKey: Uint8Array,
  random: RandomSource,
): { pairs: Pair[]; leaves: OpenLeaf[] } {
  const pairs: Pair[] = [];
  const leaves: OpenLeaf[] = [];
  for (const [name, value] of entries) {
    const enc = value === '' ? '' : sealString(value, dataKey, random(SOPS_IV_BYTES), additionalData([name]));
    const node = new Scalar(enc);
    pairs.push(new Pair(keyNode(name), node));
    leaves.push({ path: [name], node, encrypted: true, value, plain: Buffer.from(value, 'utf8'), type: 'str' });
  }
  return { pairs, leaves };
}

/** Seal the MAC string with `lastmodified` as additional data. */
export function sealMac(mac: string, dataKey: Uint8Array, lastModified: string, random: RandomSource): string {
  return sealString(mac, dataKey, random(SOPS_IV_BYTES), lastModified);
}

/** The age block of the data key for every recipient, in order. */
export async function wrapForAll(dataKey: Uint8Array, recipients: readonly string[]): Promise<AgeEntry[]> {
  const out: AgeEntry[] = [];
  for (const recipient of recipients) out.push({ recipient, enc: await wrapDataKey(dataKey, recipient) });
  return out;
}

/** A new sops YAML file holding `values` (names sorted) for the recipients. */
export async function encryptSopsYaml(values: Record<string, string>, options: SopsEncryptOptions): Promise<string> {
  const recipients = normaliseRecipients(options.recipients ?? []);
  const lastModified = formatLastModified(options.lastModified);
  const rules: CryptRules = { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX };
  const names = Object.keys(values).sort();
  for (const name of names) checkEntry(name, values[name], rules);
  const random = randomSource(options.randomBytes);

  const dataKey = random(32);
  const { pairs, leaves } = sealEntries(
    names.map((n) => [n, values[n] as string]),
    dataKey,
    random,
  );
  const mac = sealMac(computeMac(leaves, false), dataKey, lastModified, random);
  const age = await wrapForAll(dataKey, recipients);

  const doc = new Document();
  const root = new YAMLMap();
  root.items.push(...pairs);
  return stringifySops(doc, root, { age, lastModified, mac, rules, macOnlyEncrypted: false });
}
