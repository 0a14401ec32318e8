/**
 * The sops value cipher (aes/cipher.go): AES-256-GCM with a 32-byte IV and a 16-byte tag, the
 * additional data being the value's key path joined by ":" plus a trailing ":" (sops.go), written
 * as `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<type>]` with standard padded base64.
 * The empty string is never encrypted: sops stores it as "" and reads "" back as "".
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import { parseGoBool, parseGoFloat, parseGoInt, type SopsScalar } from './values.js';

/** The IV length sops uses (aes/cipher.go `nonceSize`). */
export const SOPS_IV_BYTES = 32;
const TAG_BYTES = 16;

/** The same pattern sops matches (unanchored at the end, greedy groups, leftmost-first). */
const ENC_RE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface EncryptedValue {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: string;
}

/** A decrypted value: its typed form, and the exact plaintext bytes with their sops type. */
export interface OpenedValue {
  value: SopsScalar;
  plain: Buffer;
  type: string;
}

/** The additional data sops binds a value to: `a:b:c:` for the path [a, b, c]. */
export function additionalData(path: readonly string[]): string {
  return `${path.join(':')}:`;
}

/** The path as shown in messages (key names are not secret; values never appear). */
export function showPath(path: readonly string[]): string {
  return path.map((p) => JSON.stringify(p)).join(' → ') || '(root)';
}

function strictBase64(s: string): Buffer | null {
  return B64_RE.test(s) ? Buffer.from(s, 'base64') : null;
}

/** The parts of an `ENC[...]` string, or null when the string is not in sops' format. */
function parseEncrypted(s: string): EncryptedValue | null {
  const m = ENC_RE.exec(s);
  if (!m) return null;
  const data = strictBase64(m[1] ?? '');
  const iv = strictBase64(m[2] ?? '');
  const tag = strictBase64(m[3] ?? '');
  if (!data || !iv || !tag || iv.length === 0) return null;
  return { data, iv, tag, type: m[4] ?? '' };
}

/** Encrypt exact plaintext bytes under `type`, as aes/cipher.go's Encrypt formats them. */
export function sealValue(plain: Uint8Array, type: string, key: Uint8Array, iv: Uint8Array, aad: string): string {
  if (plain.length === 0) return '';
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  const tag = cipher.getAuthTag();
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(iv)},tag:${b64(tag)},type:${type}]`;
}

/** Encrypt a string value (`type:str`). */
export function sealString(value: string, key: Uint8Array, iv: Uint8Array, aad: string): string {
  return sealValue(Buffer.from(value, 'utf8'), 'str', key, iv, aad);
}

/**
 * Decrypt an `ENC[...]` value bound to `path`. Errors name the path, never the value: a value
 * that fails authentication (wrong key, altered ciphertext, moved to another key) is an
 * IntegrityError.
 */
export function openValue(text: string, key: Uint8Array, path: readonly string[]): OpenedValue {
  return openWithAad(text, key, additionalData(path), `the value at ${showPath(path)}`);
}

/** Decrypt an `ENC[...]` string bound to `aad`; `what` names it in errors. */
export function openWithAad(text: string, key: Uint8Array, aad: string, what: string): OpenedValue {
  if (text === '') return { value: '', plain: Buffer.alloc(0), type: 'str' };
  const enc = parseEncrypted(text);
  if (!enc) throw new IntegrityError(`${what} is not a sops ENC[AES256_GCM,...] value`);
  // Go's gcm.Open takes data||tag and splits the tag off the end, whatever the field widths.
  const sealed = Buffer.concat([enc.data, enc.tag]);
  if (sealed.length < TAG_BYTES) throw new IntegrityError(`${what} is truncated`);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, enc.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new IntegrityError(`${what} failed authentication: the file was altered or its data key does not match`);
  }
  return { value: typedValue(plain, enc.type, what), plain, type: enc.type };
}

function typedValue(plain: Buffer, type: string, what: string): SopsScalar {
  const text = plain.toString('utf8');
  let value: SopsScalar | null;
  switch (type) {
    case 'str':
      return text;
    case 'bytes':
      return new Uint8Array(plain);
    case 'int':
    case 'int64':
      value = parseGoInt(text);
      break;
    case 'float':
      value = parseGoFloat(text);
      break;
    case 'bool':
      value = parseGoBool(text);
      break;
    default:
      throw new IntegrityError(`${what} has an unsupported sops type ${JSON.stringify(type)}`);
  }
  if (value === null) {
    throw new IntegrityError(`${what} does not hold a valid ${type}`);
  }
  return value;
}
