/**
 * What load needs of a SOPS file — its names, its recipients, its dotenv form — read straight from
 * the text when the file is laid out exactly as sops (and `slipway secrets sync`) write it: flat
 * string values, the metadata in stores.go's order, indented by four. A fleet build reads a
 * thousand such files, and the general YAML parser costs it more than rendering some outputs.
 *
 * Anything else — a comment, other spacing, quoted keys, nested values, other rules, key groups —
 * is not recognised here (undefined), and the caller parses it as YAML, with its findings. What is
 * recognised reads the same as that parse reads it: a property test holds the two together.
 */
import { DEFAULT_UNENCRYPTED_SUFFIX } from './document.js';
import { dotenvText } from './dotenv.js';

export interface CanonicalSops {
  /** The data keys, in file order. */
  names: string[];
  recipients: string[];
  /** The same file in sops' dotenv form (see `sopsDotenvOf`). */
  dotenv: string;
}

/** Names that read back as strings in every YAML schema, and are dotenv variable names. */
const name = /^[A-Za-z_][A-Za-z0-9_]*$/;
const notString = /^(?:y|n|yes|no|on|off|true|false|null)$/i;
const base64 = '[A-Za-z0-9+/]*={0,2}';
/** A value sops encrypted as a string: plain YAML, a single line. */
const encrypted = new RegExp(`^ENC\\[AES256_GCM,data:${base64},iv:${base64},tag:${base64},type:str\\]$`);
const recipientLine = /^ {8}- recipient: (age1[0-9a-z]+)$/;
const armourLine = /^ {14}([A-Za-z0-9+/=-][A-Za-z0-9+/= -]*)$/;
const lastModifiedLine = /^ {4}lastmodified: "(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"$/;
const versionLine = /^ {4}version: (\d+\.\d+\.\d+)$/;

const emptyLists = ['    kms: []', '    gcp_kms: []', '    azure_kv: []', '    hc_vault: []'];

export function readCanonicalSops(text: string): CanonicalSops | undefined {
  if (!text.endsWith('\n') || text.includes('\r') || text.includes('\t')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  let at = 0;
  const names: string[] = [];
  const data: string[] = [];
  const seen = new Set<string>();
  for (; at < lines.length && lines[at] !== 'sops:'; at++) {
    const line = lines[at]!;
    const colon = line.indexOf(': ');
    if (colon <= 0) return undefined;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 2);
    if (!name.test(key) || notString.test(key) || key === 'sops' || seen.has(key) || !encrypted.test(value)) return undefined;
    seen.add(key);
    names.push(key);
    data.push(`${key}=${value}`);
  }
  if (lines[at++] !== 'sops:') return undefined;
  for (const expected of emptyLists) if (lines[at++] !== expected) return undefined;
  if (lines[at++] !== '    age:') return undefined;
  const age: Array<{ recipient: string; enc: string }> = [];
  for (let match = recipientLine.exec(lines[at] ?? ''); match; match = recipientLine.exec(lines[at] ?? '')) {
    if (lines[at + 1] !== '          enc: |' || lines[at + 2] !== '              -----BEGIN AGE ENCRYPTED FILE-----') return undefined;
    at += 2;
    const armour: string[] = [];
    for (let armoured = armourLine.exec(lines[at] ?? ''); armoured; armoured = armourLine.exec(lines[at] ?? '')) {
      armour.push(armoured[1]!);
      at++;
      if (armoured[1] === '-----END AGE ENCRYPTED FILE-----') break;
    }
    // A trailing blank would be kept by YAML but is not what sops writes.
    if (armour.at(-1) !== '-----END AGE ENCRYPTED FILE-----' || armour.some((line) => line.endsWith(' '))) return undefined;
    age.push({ recipient: match[1]!, enc: `${armour.join('\n')}\n` });
  }
  if (age.length === 0) return undefined;
  const lastModified = lastModifiedLine.exec(lines[at++] ?? '')?.[1];
  const macLine = lines[at++] ?? '';
  const mac = macLine.startsWith('    mac: ') ? macLine.slice('    mac: '.length) : '';
  if (!lastModified || !encrypted.test(mac)) return undefined;
  if (lines[at++] !== '    pgp: []' || lines[at++] !== `    unencrypted_suffix: ${DEFAULT_UNENCRYPTED_SUFFIX}`) return undefined;
  const version = versionLine.exec(lines[at++] ?? '')?.[1];
  if (!version || at !== lines.length) return undefined;

  const dotenv = dotenvText(data, { age, lastModified, mac, unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX, version });
  return { names, recipients: age.map((entry) => entry.recipient), dotenv };
}
