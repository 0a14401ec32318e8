import { parse } from 'yaml';
import { compareText } from '../core/diagnostics.js';
import { decodeUtf8 } from './text.js';

/**
 * SOPS files in a diff: only the names of what changed, never a value. A ciphertext differs
 * whenever the plaintext, the data key or the IV does, so any change of an `ENC[…]` string is
 * reported as "changed" — the reviewer learns which secret moved, not what it became.
 */

export interface SecretChange {
  /** Dotted path of the leaf (`APP_KEY`, `stringData.DB_PASSWORD`). */
  name: string;
  change: 'added' | 'removed' | 'changed';
  /** False for leaves SOPS left in clear (unencrypted suffix, Kubernetes metadata); still not shown. */
  encrypted: boolean;
}

export interface SopsComparison {
  secrets: SecretChange[];
  recipientsAdded: string[];
  recipientsRemoved: string[];
  /** One side could not be parsed: nothing beyond "it changed" can be said. */
  unreadable: boolean;
}

const ENCRYPTED = /^ENC\[[A-Z0-9_]+,data:/;

/** A file is treated as SOPS when its name says so or its top level carries SOPS metadata. */
export function isSopsFile(path: string, bytes: Uint8Array): boolean {
  const name = path.split('/').at(-1) ?? path;
  if (name.includes('.sops.')) return true;
  if (/\.env$/.test(name) && /^sops_mac=/m.test(new TextDecoder().decode(bytes))) return true;
  if (!/\.(ya?ml|json)$/.test(name)) return false;
  const doc = parseDocument(path, bytes);
  return doc !== undefined && typeof doc === 'object' && doc !== null && 'sops' in doc;
}

export function compareSops(path: string, oldBytes: Uint8Array | undefined, newBytes: Uint8Array | undefined): SopsComparison {
  const before = oldBytes ? readSops(path, oldBytes) : { leaves: new Map<string, string>(), recipients: [] };
  const after = newBytes ? readSops(path, newBytes) : { leaves: new Map<string, string>(), recipients: [] };
  if (!before || !after) return { secrets: [], recipientsAdded: [], recipientsRemoved: [], unreadable: true };
  const secrets: SecretChange[] = [];
  const names = [...new Set([...before.leaves.keys(), ...after.leaves.keys()])].sort(compareText);
  for (const name of names) {
    const a = before.leaves.get(name);
    const b = after.leaves.get(name);
    const encrypted = ENCRYPTED.test(b ?? a ?? '');
    if (a === undefined) secrets.push({ name, change: 'added', encrypted });
    else if (b === undefined) secrets.push({ name, change: 'removed', encrypted });
    else if (a !== b) secrets.push({ name, change: 'changed', encrypted });
  }
  return {
    secrets,
    recipientsAdded: after.recipients.filter((r) => !before.recipients.includes(r)),
    recipientsRemoved: before.recipients.filter((r) => !after.recipients.includes(r)),
    unreadable: false,
  };
}

interface SopsContent {
  leaves: Map<string, string>;
  recipients: string[];
}

function readSops(path: string, bytes: Uint8Array): SopsContent | undefined {
  if (/\.env$/.test(path)) return readDotenv(bytes);
  const doc = parseDocument(path, bytes);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const leaves = new Map<string, string>();
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key !== 'sops') flatten(value, key, leaves);
  }
  const age = (doc as { sops?: { age?: unknown } }).sops?.age;
  const recipients = Array.isArray(age)
    ? age.map((entry) => (entry as { recipient?: unknown })?.recipient).filter((r): r is string => typeof r === 'string').sort(compareText)
    : [];
  return { leaves, recipients };
}

function readDotenv(bytes: Uint8Array): SopsContent {
  const leaves = new Map<string, string>();
  const recipients: string[] = [];
  for (const line of new TextDecoder().decode(bytes).split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0 || line.startsWith('#')) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (/^sops_age__list_\d+__map_recipient$/.test(key)) recipients.push(value);
    else if (!key.startsWith('sops_')) leaves.set(key, value);
  }
  return { leaves, recipients: recipients.sort(compareText) };
}

function flatten(value: unknown, path: string, into: Map<string, string>): void {
  if (Array.isArray(value)) value.forEach((item, i) => flatten(item, `${path}[${i}]`, into));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) flatten(child, `${path}.${key}`, into);
  } else into.set(path, String(value));
}

function parseDocument(path: string, bytes: Uint8Array): unknown {
  const text = decodeUtf8(bytes);
  if (text === undefined) return undefined;
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parse(text, { maxAliasCount: 100, uniqueKeys: false, logLevel: 'silent' });
  } catch {
    return undefined;
  }
}

/** Last line of defence for every text diff: no SOPS ciphertext is ever printed, wherever it hides. */
export function redactCiphertext(text: string): string {
  return text.replace(/ENC\[[A-Z0-9_]+,data:[^\]\s]*\]?/g, 'ENC[…]');
}
