import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../errors.js';
import { publicKeyOf } from './keys.js';
import { parseSignatureFile, signBytes, signatureFileText, verifyBytes } from './signature.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

// RFC 8032 §7.1, TEST 1–3.
const VECTORS = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pub: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('Ed25519 signatures', () => {
  it('match the RFC 8032 test vectors', () => {
    for (const v of VECTORS) {
      expect(Buffer.from(publicKeyOf(hex(v.seed))).toString('hex')).toBe(v.pub);
      expect(Buffer.from(signBytes(hex(v.seed), hex(v.msg))).toString('hex')).toBe(v.sig);
      expect(verifyBytes(hex(v.pub), hex(v.msg), hex(v.sig))).toBe(true);
      expect(verifyBytes(hex(v.pub), hex(v.msg + '00'), hex(v.sig))).toBe(false);
    }
  });

  it('verifyBytes is false, never a throw, on malformed input', () => {
    const v = VECTORS[1]!;
    expect(verifyBytes(hex(v.pub).subarray(1), hex(v.msg), hex(v.sig))).toBe(false);
    expect(verifyBytes(hex(v.pub), hex(v.msg), hex(v.sig).subarray(1))).toBe(false);
    expect(verifyBytes(new Uint8Array(32).fill(0xff), hex(v.msg), hex(v.sig))).toBe(false);
    // S >= L (non-canonical): rejected, as RFC 8032 and OpenSSL do.
    const sig = hex(v.sig);
    sig.set(new Uint8Array(32).fill(0xff), 32);
    expect(verifyBytes(hex(v.pub), hex(v.msg), sig)).toBe(false);
  });

  it('signature file: base64 then a newline, read back strictly', () => {
    const sig = hex(VECTORS[0]!.sig);
    const text = signatureFileText(sig);
    expect(text).toBe(`${Buffer.from(sig).toString('base64')}\n`);
    expect(text).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
    expect(parseSignatureFile(text)).toEqual(sig);
    expect(parseSignatureFile(text.trimEnd())).toEqual(sig);
    expect(parseSignatureFile(text.replace('\n', '\r\n'))).toEqual(sig);
    expect(parseSignatureFile(new TextEncoder().encode(text))).toEqual(sig);
    for (const bad of ['', 'not base64!\n', `${text}\n`, ` ${text}`, `${Buffer.from(sig.subarray(0, 63)).toString('base64')}\n`]) {
      expect(() => parseSignatureFile(bad), JSON.stringify(bad)).toThrow(IntegrityError);
    }
  });
});
