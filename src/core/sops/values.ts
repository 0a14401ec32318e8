/**
 * Go-compatible text forms of the scalars sops handles. sops types every encrypted value
 * (`type:str|int|int64|float|bool|bytes` in aes/cipher.go, parsed back with strconv.Atoi,
 * ParseInt, ParseFloat and ParseBool) and hashes each leaf into the MAC through `ToBytes` in
 * sops.go: strings as their bytes, ints with strconv.Itoa, floats with
 * strconv.FormatFloat(f, 'f', -1, 64), booleans as "True" / "False". These helpers reproduce
 * exactly those forms, so a MAC computed here equals the one sops computes.
 */

/** A decrypted or unencrypted leaf: ints are bigints (exact), floats numbers, `bytes` raw bytes. */
export type SopsScalar = string | bigint | number | boolean | Uint8Array;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.FormatFloat(n, 'f', -1, 64): the shortest round-tripping digits, never an exponent. */
export function formatGoFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Object.is(n, -0)) return '-0';
  const s = String(n); // shortest round-trip digits, as Go's -1 precision
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1] ?? '';
  const digits = (m[2] ?? '') + (m[3] ?? '');
  const point = 1 + Number(m[4]); // where the decimal point goes in `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** strconv.Atoi / ParseInt(s, 10, 64): optional sign, decimal digits, int64 range; else null. */
export function parseGoInt(s: string): bigint | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

/**
 * strconv.ParseFloat(s, 64) for the forms sops writes and YAML users type: decimal with optional
 * fraction and exponent, and inf / infinity / nan. Hex floats and out-of-range values give null
 * (Go reports an error for those too, or a form sops never writes).
 */
export function parseGoFloat(s: string): number | null {
  const special = /^([+-]?)(inf|infinity)$/i.exec(s);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return null;
}

/** The bytes `ToBytes` (sops.go) feeds into the MAC for this leaf. */
export function macBytes(v: SopsScalar): Uint8Array {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'bigint') return Buffer.from(v.toString(), 'latin1');
  if (typeof v === 'number') return Buffer.from(formatGoFloat(v), 'latin1');
  return Buffer.from(v ? 'True' : 'False', 'latin1');
}

/** A JS value for callers: safe integers as numbers, larger ones stay bigint. */
export function toPlainScalar(v: SopsScalar): unknown {
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(v);
  }
  return v;
}

/** True when the string holds a lone UTF-16 surrogate, which has no UTF-8 form. */
export function hasLoneSurrogate(s: string): boolean {
  return /\p{Cs}/u.test(s);
}
