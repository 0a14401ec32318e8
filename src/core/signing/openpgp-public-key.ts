/**
 * Identifies an armored OpenPGP public key (`keys/*.pub.asc`) while the source tree is read: its
 * fingerprint and long key id (what Argo CD's `signatureKeys` names), its user ids, and that it
 * really is a public key — a secret key in `keys/` would be published to every cluster.
 *
 * This reads the container format only (RFC 4880 §6 armor, §4.2 packet framing, §12.2 v4
 * fingerprint: SHA-1 over 0x99, a two-octet length and the key packet). It checks no signature:
 * signing and verifying are openpgp.js's and GnuPG's. It is synchronous because loading is; the
 * tests hold it to openpgp.js and GnuPG on the same keys.
 */
import { createHash } from 'node:crypto';

export interface OpenPgpPublicKey {
  /** 40 hex digits, upper case. */
  fingerprint: string;
  /** The long key id: the last 16 hex digits of the fingerprint. */
  keyId: string;
  userIds: string[];
  /** The key's algorithm, for messages: `EdDSA (Ed25519)`, `RSA` … */
  algorithm: string;
}

const ALGORITHMS: Record<number, string> = { 1: 'RSA', 3: 'RSA (sign only)', 17: 'DSA', 19: 'ECDSA', 22: 'EdDSA (Ed25519)', 27: 'Ed25519', 28: 'Ed448' };
const NOT_SIGNING: Record<number, string> = { 2: 'RSA (encrypt only)', 16: 'ElGamal', 18: 'ECDH', 25: 'X25519', 26: 'X448' };
const SECRET_KEY_TAGS = new Set([5, 7]);
const PUBLIC_KEY_TAG = 6;
const USER_ID_TAG = 13;

/** Throws an Error whose message says what is wrong (never any key material); callers locate it. */
export function readOpenPgpPublicKey(text: string): OpenPgpPublicKey {
  if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(text)) throw new Error('this is an OpenPGP SECRET key: remove it from the source tree at once (and treat it as leaked); only the public key (slipway-commit.pub.asc) belongs here');
  const blocks = [...text.matchAll(/-----BEGIN PGP ([A-Z ]+)-----/g)].map((match) => match[1]);
  if (blocks.length !== 1 || blocks[0] !== 'PUBLIC KEY BLOCK') throw new Error('expected exactly one armored OpenPGP public key (-----BEGIN PGP PUBLIC KEY BLOCK-----), as `slipway keygen` or `gpg --armor --export KEYID` writes it');
  const packets = readPackets(dearmor(text));
  if (packets.some((packet) => SECRET_KEY_TAGS.has(packet.tag))) throw new Error('this key block carries SECRET key material: remove it from the source tree at once (and treat it as leaked)');
  const primary = packets[0];
  if (primary?.tag !== PUBLIC_KEY_TAG) throw new Error('the key block does not start with a public key packet');
  const body = primary.body;
  if (body[0] !== 4) throw new Error(`a version ${body[0]} OpenPGP key: GnuPG 2.2, Flux and Argo CD read version 4 keys; make one with \`slipway keygen\``);
  const algorithm = body[5]!;
  if (NOT_SIGNING[algorithm]) throw new Error(`the primary key is ${NOT_SIGNING[algorithm]}, which cannot sign commits`);
  const header = Uint8Array.of(0x99, body.length >> 8, body.length & 0xff);
  const fingerprint = createHash('sha1').update(header).update(body).digest('hex').toUpperCase();
  const userIds = packets.filter((packet) => packet.tag === USER_ID_TAG).map((packet) => new TextDecoder().decode(packet.body));
  return { fingerprint, keyId: fingerprint.slice(-16), userIds, algorithm: ALGORITHMS[algorithm] ?? `algorithm ${algorithm}` };
}

/** The bytes of an ASCII armor (RFC 4880 §6.2), its CRC-24 checked when present. */
function dearmor(text: string): Uint8Array {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let index = lines.findIndex((line) => line.trim() === '-----BEGIN PGP PUBLIC KEY BLOCK-----') + 1;
  if (index === 0) throw new Error('the BEGIN line of the key block is not on a line of its own');
  // Armor headers ("Comment: …") end at the first empty line.
  while (index < lines.length && lines[index]!.trim() !== '') {
    if (!/^[A-Za-z-]+: /.test(lines[index]!)) throw new Error('the key block has no empty line after its armor headers');
    index++;
  }
  let base64 = '';
  let checksum: string | undefined;
  for (index++; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '-----END PGP PUBLIC KEY BLOCK-----') {
      const bytes = Buffer.from(base64, 'base64');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || bytes.length === 0) throw new Error('the key block is not valid base64');
      if (checksum !== undefined && checksum !== crc24(bytes)) throw new Error('the key block fails its checksum (CRC-24): it was changed or cut');
      return new Uint8Array(bytes);
    }
    if (/^=[A-Za-z0-9+/]{4}$/.test(line)) checksum = line.slice(1);
    else base64 += line;
  }
  throw new Error('the key block has no END line');
}

function crc24(bytes: Uint8Array): string {
  let crc = 0xb704ce;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  const value = crc & 0xffffff;
  return Buffer.from([value >> 16, (value >> 8) & 0xff, value & 0xff]).toString('base64');
}

/** Packets by tag (RFC 4880 §4.2: old and new formats; key material never uses partial lengths). */
function readPackets(bytes: Uint8Array): Array<{ tag: number; body: Uint8Array }> {
  const packets: Array<{ tag: number; body: Uint8Array }> = [];
  let at = 0;
  const byte = () => {
    if (at >= bytes.length) throw new Error('the key block ends in the middle of a packet');
    return bytes[at++]!;
  };
  const octets = (count: number) => Array.from({ length: count }, byte).reduce((value, octet) => value * 256 + octet, 0);
  while (at < bytes.length) {
    const first = byte();
    if (!(first & 0x80)) throw new Error('the key block holds no OpenPGP packets');
    let tag: number;
    let length: number;
    if (first & 0x40) {
      tag = first & 0x3f;
      const l1 = byte();
      if (l1 < 192) length = l1;
      else if (l1 < 224) length = ((l1 - 192) << 8) + byte() + 192;
      else if (l1 === 255) length = octets(4);
      else throw new Error('the key block uses partial packet lengths, which keys never do');
    } else {
      tag = (first >> 2) & 0x0f;
      const kind = first & 0x03;
      if (kind === 3) throw new Error('the key block uses an indeterminate packet length, which keys never do');
      length = octets([1, 2, 4][kind]!);
    }
    if (at + length > bytes.length) throw new Error('the key block ends in the middle of a packet');
    packets.push({ tag, body: bytes.subarray(at, at + length) });
    at += length;
  }
  return packets;
}
