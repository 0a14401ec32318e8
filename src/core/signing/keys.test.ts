import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import {
  generateSigningKey,
  keyId,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  privateKeyToPem,
  publicKeyOf,
  publicKeyToPem,
} from './keys.js';

// RFC 8032 §7.1 TEST 1.
const SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
const PUB = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');

function pem(label: string, hexDer: string): string {
  const b64 = Buffer.from(hexDer, 'hex').toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

/** The error thrown by fn; fails the test if it does not throw a UserError. */
function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('key encodings', () => {
  it('writes the exact PKCS#8 and SPKI DER layouts and reads them back', () => {
    const privatePem = privateKeyToPem(new Uint8Array(SEED));
    expect(privatePem).toBe(pem('PRIVATE KEY', `302e020100300506032b657004220420${SEED.toString('hex')}`));
    expect(privatePem).toBe('-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n');
    expect(Buffer.from(publicKeyOf(new Uint8Array(SEED))).equals(PUB)).toBe(true);
    const publicPem = publicKeyToPem(new Uint8Array(PUB));
    expect(publicPem).toBe(pem('PUBLIC KEY', `302a300506032b6570032100${PUB.toString('hex')}`));
    expect(Buffer.from(parsePrivateKeyPem(privatePem)).equals(SEED)).toBe(true);
    expect(Buffer.from(parsePublicKeyPem(publicPem)).equals(PUB)).toBe(true);
  });

  it('keyId is the first 16 hex digits of sha256 of the raw public key', () => {
    expect(keyId(new Uint8Array(PUB))).toBe('21fe31dfa154a261');
    expect(keyId(new Uint8Array(PUB))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('generateSigningKey uses the given randomness', () => {
    const k = generateSigningKey(() => new Uint8Array(SEED));
    expect(k.privatePem).toBe(privateKeyToPem(new Uint8Array(SEED)));
    expect(k.publicPem).toBe(publicKeyToPem(new Uint8Array(PUB)));
    expect(k.keyId).toBe(keyId(new Uint8Array(PUB)));
    expect(generateSigningKey().privatePem).not.toBe(generateSigningKey().privatePem);
  });

  it('tolerates CRLF and surrounding text', () => {
    const crlf = `a comment\r\n${privateKeyToPem(new Uint8Array(SEED)).replace(/\n/g, '\r\n')}trailer`;
    expect(Buffer.from(parsePrivateKeyPem(crlf)).equals(SEED)).toBe(true);
  });

  it('refuses the PKCS#8 v2 layout (RFC 8410 §10.3 example), which OpenSSL 3.0 cannot read either', () => {
    const rfc =
      '-----BEGIN PRIVATE KEY-----\nMHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n' +
      'oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB\nZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PRIVATE KEY-----\n';
    const e = userError(() => parsePrivateKeyPem(rfc));
    expect(e.message).toMatch(/v2 layout/);
    expect(e.message).not.toMatch(/MHIC|1O5y/);
  });
});

describe('clear errors that never echo key material', () => {
  const seedB64 = Buffer.from(SEED).toString('base64');
  const cases: Array<[string, string, RegExp]> = [
    ['garbage', 'hello world', /not a PEM private key/],
    ['empty', '', /not a PEM private key/],
    ['bad base64', '-----BEGIN PRIVATE KEY-----\nMC4C!!!!\n-----END PRIVATE KEY-----\n', /not valid base64/],
    ['encrypted', '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqG\n-----END ENCRYPTED PRIVATE KEY-----\n', /encrypted with a passphrase/],
    ['openssh', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n', /OpenSSH/],
    ['legacy encrypted RSA', '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n', /RSA private key/],
    ['public instead of private', publicKeyToPem(new Uint8Array(PUB)), /is a public key/],
    ['Ed448 PKCS#8', pem('PRIVATE KEY', `3047020100300506032b6571043b0439${'11'.repeat(57)}`), /Ed448/],
    ['X25519 PKCS#8', pem('PRIVATE KEY', `302e020100300506032b656e04220420${SEED.toString('hex')}`), /X25519/],
    ['truncated Ed25519', pem('PRIVATE KEY', `302e020100300506032b657004220420${SEED.toString('hex').slice(0, 40)}`), /not an Ed25519 PKCS#8/],
    ['two keys', privateKeyToPem(new Uint8Array(SEED)).repeat(2), /2 private keys/],
  ];
  for (const [name, input, message] of cases) {
    it(`private: ${name}`, () => {
      const e = userError(() => parsePrivateKeyPem(input, 'keys/signing.pem'));
      expect(e.message).toMatch(message);
      expect(e.message).toContain('keys/signing.pem');
      expect(e.message).not.toContain(seedB64.slice(0, 12));
      expect(e.message).not.toMatch(/MC4C|MCow|MIGb|b3Bl/);
    });
  }

  it('public: a private key, a wrong algorithm, an invalid point, garbage', () => {
    const priv = privateKeyToPem(new Uint8Array(SEED));
    const e = userError(() => parsePublicKeyPem(priv, 'keys/x.pub.pem'));
    expect(e.message).toMatch(/PRIVATE key/);
    expect(e.message).not.toContain(seedB64.slice(0, 12));
    expect(userError(() => parsePublicKeyPem(pem('PUBLIC KEY', `302a300506032b656e032100${PUB.toString('hex')}`))).message).toMatch(/X25519/);
    // y = 2 is not the y-coordinate of any curve point.
    const notOnCurve = `02${'00'.repeat(31)}`;
    expect(userError(() => parsePublicKeyPem(pem('PUBLIC KEY', `302a300506032b6570032100${notOnCurve}`))).message).toMatch(/not a point/);
    expect(userError(() => parsePublicKeyPem('nope')).message).toMatch(/not a PEM public key/);
  });
});
