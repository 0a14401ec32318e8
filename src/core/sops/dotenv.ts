/**
 * The same SOPS file in sops' dotenv form, made without decrypting anything. A flat file of
 * string values has the same key paths (`NAME:`) in both forms, so every ENC[…] value, the MAC
 * and the age blocks carry over unchanged: Compose install scripts and Flux's secretGenerator
 * (which decrypts SOPS dotenv files) read it, and no build ever needs an identity.
 */
import { isScalar } from 'yaml';
import { compareText } from '../diagnostics.js';
import { UserError } from '../errors.js';
import { parseSopsText, type ParsedSops } from './document.js';

const dotenvKey = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function sopsYamlToDotenv(text: string): string {
  return sopsDotenvOf(parseSopsText(text));
}

/** The dotenv form of a SOPS file already parsed (load parses each file once, for its metadata and this). */
export function sopsDotenvOf({ root, meta }: ParsedSops): string {
  if (meta.rules.encryptedRegex || meta.rules.unencryptedRegex || meta.rules.encryptedSuffix || meta.macOnlyEncrypted) {
    throw new UserError('only SOPS files with the default encryption rules can be turned into dotenv form');
  }
  const lines: string[] = [];
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (key === 'sops') continue;
    if (typeof key !== 'string' || !dotenvKey.test(key)) throw new UserError(`${JSON.stringify(key)} cannot be a dotenv variable name`);
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof value !== 'string' || value.includes('\n')) throw new UserError(`the value of ${key} is not a single-line string`);
    lines.push(`${key}=${value}`);
  }
  return dotenvText(lines, { age: meta.age, lastModified: meta.lastModified, mac: meta.mac, ...(meta.rules.unencryptedSuffix ? { unencryptedSuffix: meta.rules.unencryptedSuffix } : {}), version: meta.version });
}

/** What the dotenv form carries of the metadata. */
export interface DotenvMetadata {
  age: ReadonlyArray<{ recipient: string; enc: string }>;
  lastModified: string;
  mac: string;
  unencryptedSuffix?: string;
  version: string;
}

/** The dotenv file: the data lines (`NAME=ENC[…]`) as given, then the metadata as sops flattens it. */
export function dotenvText(lines: readonly string[], meta: DotenvMetadata): string {
  // sops flattens its metadata into sops_-prefixed keys and writes them sorted.
  const metadata: Array<[string, string]> = [];
  meta.age.forEach((entry, index) => {
    metadata.push([`sops_age__list_${index}__map_enc`, entry.enc.replace(/\n/g, '\\n')]);
    metadata.push([`sops_age__list_${index}__map_recipient`, entry.recipient]);
  });
  metadata.push(['sops_lastmodified', meta.lastModified], ['sops_mac', meta.mac]);
  if (meta.unencryptedSuffix) metadata.push(['sops_unencrypted_suffix', meta.unencryptedSuffix]);
  metadata.push(['sops_version', meta.version]);
  metadata.sort(([a], [b]) => compareText(a, b));
  return `${[...lines, ...metadata.map(([key, value]) => `${key}=${value}`)].join('\n')}\n`;
}
