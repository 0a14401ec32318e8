/**
 * Reading and writing the YAML of a sops file. The `sops` metadata mirrors stores/stores.go
 * (sops 3.9): for a single key group, the top-level lists `kms`, `gcp_kms`, `azure_kv`,
 * `hc_vault`, `age`, then `lastmodified` (RFC 3339, UTC), `mac`, `pgp`, the one encryption
 * rule (`unencrypted_suffix: _unencrypted` by default), `mac_only_encrypted` when set, and
 * `version`. The YAML store (stores/yaml/store.go) writes with an indent of 4 and appends the
 * `sops` entry after the data.
 */
import { Document, isMap, isScalar, Pair, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { BugError, UserError } from '../errors.js';
import type { AgeEntry } from './age.js';

/** The version written into `sops.version`: a current 3.9 release. */
export const SOPS_VERSION = '3.9.4';
export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';
export const SOPS_KEY = 'sops';

/** Which leaves are encrypted (sops.go shouldBeEncrypted). Exactly one rule is set. */
export interface CryptRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
}

export interface SopsMetadata {
  age: AgeEntry[];
  /** As written in the file. */
  lastModified: string;
  /** As Go's time.Format(time.RFC3339) prints it: the additional data of the MAC. */
  lastModifiedAad: string;
  mac: string;
  version: string;
  rules: CryptRules;
  macOnlyEncrypted: boolean;
  /** True when the file also names non-age master keys (kms, pgp, …). */
  otherKeys: boolean;
}

export interface ParsedSops {
  doc: Document;
  root: YAMLMap;
  meta: SopsMetadata;
}

/** The YAML layout of written files. lineWidth 0: never fold the long ENC[...] scalars. */
const STRINGIFY = { indent: 4, indentSeq: true, lineWidth: 0, minContentWidth: 0 } as const;

const RFC3339_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Go's Format(RFC3339) of the parsed time: no fraction, "Z" for a zero offset. */
function rfc3339Aad(s: string): string | null {
  const m = RFC3339_RE.exec(s);
  if (!m) return null;
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : (m[3] ?? 'Z');
  return `${m[1]}${zone}`;
}

/** `lastmodified` as sops writes it: RFC 3339 in UTC, whole seconds. */
export function formatLastModified(d: Date): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new BugError('lastModified must be a valid Date');
  const iso = d.toISOString();
  if (!/^\d{4}-/.test(iso)) throw new BugError('lastModified must be between the years 0000 and 9999');
  return `${iso.slice(0, 19)}Z`;
}

/** Parse the text of a single-document YAML sops file; never echoes the file's content. */
export function parseSopsText(text: string): ParsedSops {
  if (typeof text !== 'string') throw new BugError('a SOPS file must be given as text');
  const doc = parseDocument(text, { intAsBigInt: true, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new UserError(`the SOPS file is not valid YAML${line ? ` (line ${line})` : ''}: ${err.code}`);
  }
  const root = doc.contents;
  if (!isMap(root)) throw new UserError('the SOPS file is not a YAML mapping');
  const sopsNode = root.items.find((p) => isScalar(p.key) && p.key.value === SOPS_KEY)?.value;
  if (!isMap(sopsNode)) throw new UserError('not a SOPS file: there is no top-level `sops` metadata mapping');
  return { doc, root, meta: readMetadata(sopsNode.toJS(doc) as Record<string, unknown>) };
}

function str(m: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = m[key];
  if (v === undefined || v === null) {
    if (required) throw new UserError(`the SOPS metadata has no \`${key}\``);
    return undefined;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new UserError(`the SOPS metadata field \`${key}\` is not a string`);
}

function list(m: Record<string, unknown>, key: string): unknown[] {
  const v = m[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new UserError(`the SOPS metadata field \`${key}\` is not a list`);
  return v;
}

function readMetadata(m: Record<string, unknown>): SopsMetadata {
  if (list(m, 'key_groups').length > 0) {
    throw new UserError('this SOPS file uses key groups (Shamir secret sharing), which Slipway does not support');
  }
  const age = list(m, 'age').map((e, i): AgeEntry => {
    const entry = (e ?? {}) as Record<string, unknown>;
    if (typeof entry['recipient'] !== 'string' || typeof entry['enc'] !== 'string') {
      throw new UserError(`the SOPS metadata entry age[${i}] needs a \`recipient\` and an \`enc\` string`);
    }
    return { recipient: entry['recipient'].trim(), enc: entry['enc'] };
  });
  const otherKeys = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'pgp'].some((k) => list(m, k).length > 0);
  if (age.length === 0) {
    throw new UserError(`this SOPS file has no age recipients${otherKeys ? ' (it uses kms, pgp or vault keys)' : ''}`);
  }
  const lastModified = str(m, 'lastmodified', true) ?? '';
  const lastModifiedAad = rfc3339Aad(lastModified);
  if (lastModifiedAad === null) throw new UserError('the SOPS metadata `lastmodified` is not an RFC 3339 time');
  for (const k of ['unencrypted_comment_regex', 'encrypted_comment_regex']) {
    if (str(m, k, false)) throw new UserError(`this SOPS file uses \`${k}\`, which Slipway does not support`);
  }
  const rules: CryptRules = {};
  const ruleFields = [
    ['unencrypted_suffix', 'unencryptedSuffix'],
    ['encrypted_suffix', 'encryptedSuffix'],
    ['unencrypted_regex', 'unencryptedRegex'],
    ['encrypted_regex', 'encryptedRegex'],
  ] as const;
  for (const [field, prop] of ruleFields) {
    const v = str(m, field, false);
    if (v) rules[prop] = v;
  }
  const count = Object.keys(rules).length;
  if (count > 1) {
    throw new UserError('the SOPS metadata sets more than one of the encrypted/unencrypted suffix and regex rules');
  }
  for (const re of [rules.unencryptedRegex, rules.encryptedRegex]) {
    if (re === undefined) continue;
    try {
      new RegExp(re);
    } catch {
      throw new UserError(`the SOPS metadata regex ${JSON.stringify(re)} is not a valid regular expression`);
    }
  }
  if (count === 0) rules.unencryptedSuffix = DEFAULT_UNENCRYPTED_SUFFIX; // stores.go ToInternal
  const macOnly = m['mac_only_encrypted'];
  if (macOnly !== undefined && macOnly !== null && typeof macOnly !== 'boolean') {
    throw new UserError('the SOPS metadata field `mac_only_encrypted` is not a boolean');
  }
  return {
    age,
    lastModified,
    lastModifiedAad,
    mac: str(m, 'mac', false) ?? '',
    version: str(m, 'version', false) ?? '',
    rules,
    macOnlyEncrypted: macOnly === true,
    otherKeys,
  };
}

/** The data keys of the root mapping, in file order, `sops` left out. Keys must be strings. */
export function topLevelNames(root: YAMLMap): string[] {
  const names: string[] = [];
  for (const p of root.items) {
    const k = isScalar(p.key) ? p.key.value : undefined;
    if (typeof k !== 'string') throw new UserError('the SOPS file has a top-level key that is not a string');
    if (k !== SOPS_KEY) names.push(k);
  }
  return names;
}

/**
 * What can be read without any key: the age recipients, `lastmodified`, the top-level names. Here,
 * beside the parser, so that reading it (as every validate does) never loads the age library.
 */
export function readSopsMetadata(text: string): { recipients: string[]; lastModified: string; names: string[] } {
  return sopsMetadataOf(parseSopsText(text));
}

export function sopsMetadataOf({ root, meta }: ParsedSops): { recipients: string[]; lastModified: string; names: string[] } {
  return { recipients: meta.age.map((e) => e.recipient), lastModified: meta.lastModified, names: topLevelNames(root) };
}

/** Keys that read back as strings everywhere are written plain; any other is double-quoted. */
export function keyNode(key: string): Scalar {
  const node = new Scalar(key);
  const plainSafe = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) && !/^(y|n|yes|no|on|off|true|false|null)$/i.test(key);
  if (!plainSafe) node.type = Scalar.QUOTE_DOUBLE;
  return node;
}

function pair(key: string, value: unknown): Pair {
  return new Pair(new Scalar(key), value);
}

export interface MetadataToWrite {
  age: readonly AgeEntry[];
  lastModified: string;
  mac: string;
  rules: CryptRules;
  macOnlyEncrypted: boolean;
}

/** The `sops` mapping in the field order of stores.go's Metadata struct. */
function metadataNode(meta: MetadataToWrite): YAMLMap {
  const m = new YAMLMap();
  for (const k of ['kms', 'gcp_kms', 'azure_kv', 'hc_vault']) m.items.push(pair(k, new YAMLSeq()));
  const age = new YAMLSeq();
  for (const e of meta.age) {
    const entry = new YAMLMap();
    entry.items.push(pair('recipient', new Scalar(e.recipient)), pair('enc', new Scalar(e.enc)));
    age.items.push(entry);
  }
  m.items.push(pair('age', age));
  const lastModified = new Scalar(meta.lastModified);
  lastModified.type = Scalar.QUOTE_DOUBLE; // yaml.v3 quotes it, as it looks like a timestamp
  m.items.push(pair('lastmodified', lastModified), pair('mac', new Scalar(meta.mac)), pair('pgp', new YAMLSeq()));
  const r = meta.rules;
  if (r.unencryptedSuffix) m.items.push(pair('unencrypted_suffix', new Scalar(r.unencryptedSuffix)));
  if (r.encryptedSuffix) m.items.push(pair('encrypted_suffix', new Scalar(r.encryptedSuffix)));
  if (r.unencryptedRegex) m.items.push(pair('unencrypted_regex', new Scalar(r.unencryptedRegex)));
  if (r.encryptedRegex) m.items.push(pair('encrypted_regex', new Scalar(r.encryptedRegex)));
  if (meta.macOnlyEncrypted) m.items.push(pair('mac_only_encrypted', new Scalar(true)));
  m.items.push(pair('version', new Scalar(SOPS_VERSION)));
  return m;
}

/** Put `sops` last in the root mapping (replacing any earlier one) and serialise. */
export function stringifySops(doc: Document, root: YAMLMap, meta: MetadataToWrite): string {
  root.items = root.items.filter((p) => !(isScalar(p.key) && p.key.value === SOPS_KEY));
  root.items.push(pair(SOPS_KEY, metadataNode(meta)));
  doc.contents = root;
  return doc.toString(STRINGIFY);
}
