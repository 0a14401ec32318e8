/**
 * Minimal, strict PEM (RFC 7468) reading and writing. Only what the signing keys need: find the
 * labelled blocks of a text, decode their base64 strictly, and write a block the way OpenSSL does
 * (64 columns, `\n` line ends, a final newline).
 *
 * Nothing here ever puts the base64 body of a block into an error message: the body of a private
 * key block *is* the key.
 */

export interface PemBlock {
  label: string;
  /** The decoded DER, or null when the body is not valid base64. */
  der: Uint8Array | null;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64: the canonical alphabet and padding only; whitespace must already be removed. */
export function decodeBase64Strict(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Reject non-canonical encodings (stray bits in the last character).
  if (bytes.toString('base64') !== text) return null;
  return new Uint8Array(bytes);
}

/** Every `-----BEGIN X-----` … `-----END X-----` block of the text, in order. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, begin = '', rawBody = '', end = ''] = match;
    if (begin !== end) continue;
    let body = rawBody;
    // RFC 1421 style headers (Proc-Type, DEK-Info) mark an encrypted legacy key: keep the block,
    // but mark its body undecodable.
    if (/^[ \t]*[A-Za-z-]+:/m.test(body)) {
      blocks.push({ label: begin, der: null });
      continue;
    }
    body = body.replace(/\s+/g, '');
    blocks.push({ label: begin, der: decodeBase64Strict(body) });
  }
  return blocks;
}

/** One PEM block as OpenSSL writes it: base64 wrapped at 64 columns, `\n`, final newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
