/**
 * Real verifiers: OpenSSL 3 for keys and signatures, age for the age identity. These tests skip
 * loudly when a tool is missing, and fail instead when SLIPWAY_REQUIRE_TOOLS=1 (as CI sets).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTool, runTool, toolPresent } from '../../test/support/tools.js';
import { UserError } from '../core/errors.js';
import { writeKeyPair } from './keygen.js';
import { keyId, parsePrivateKeyPem, parsePublicKeyPem, privateKeyToPem, publicKeyOf, publicKeyToPem } from '../core/signing/keys.js';
import { manifestFiles, type ReleaseManifest } from './manifest.js';
import { signRelease } from './release.js';
import { parseSignatureFile, signBytes, signatureFileText, verifyBytes } from '../core/signing/signature.js';

const openssl3 = /^OpenSSL 3\./.test(runTool('openssl', ['version']).stdout) && toolPresent('base64');
const age = toolPresent('age') && toolPresent('age-keygen');
const describeOpenssl = describeWithTool('OpenSSL 3', openssl3);
const describeAge = describeWithTool('age', age);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-sign-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function tmp(name: string, content?: string | Uint8Array): string {
  const path = join(dir, `${counter++}-${name}`);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

function ok(cmd: string, args: string[], input?: string | Uint8Array): string {
  const r = runTool(cmd, args, { input });
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

function manifest(files: ReleaseManifest['files']): ReleaseManifest {
  return {
    apiVersion: 'slipway.dev/v1', kind: 'ReleaseManifest', environment: 'eu-prod', release: '2026.11.0', mode: 'saas',
    provider: 'aws', runtime: 'kubernetes', sequence: 1, previous: null, source: { commit: 'a'.repeat(40) }, files,
  };
}

describeOpenssl('OpenSSL 3 and our keys', () => {
  it('loads keys made by openssl genpkey / pkey -pubout', () => {
    const keyFile = tmp('k.pem');
    ok('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyFile]);
    const publicPem = ok('openssl', ['pkey', '-in', keyFile, '-pubout']);
    const seed = parsePrivateKeyPem(readFileSync(keyFile, 'utf8'));
    const pub = parsePublicKeyPem(publicPem);
    expect(Buffer.from(publicKeyOf(seed)).equals(Buffer.from(pub))).toBe(true);
    // Our writer reproduces OpenSSL's files byte for byte.
    expect(privateKeyToPem(seed)).toBe(readFileSync(keyFile, 'utf8'));
    expect(publicKeyToPem(pub)).toBe(publicPem);
    // keyId against an independent sha256 of the raw key from OpenSSL's DER.
    const rawHex = ok('openssl', ['pkey', '-pubin', '-in', tmp('p2.pem', publicPem), '-text', '-noout']);
    const hexFromText = rawHex.split('pub:')[1]!.replace(/[^0-9a-f]/g, '');
    expect(hexFromText).toBe(Buffer.from(pub).toString('hex'));
    const digest = ok('openssl', ['dgst', '-sha256', '-r', tmp('raw.bin', Buffer.from(hexFromText, 'hex'))]).slice(0, 16);
    expect(keyId(pub)).toBe(digest);
  });

  it('openssl accepts keys we make, and derives our public PEM byte for byte', async () => {
    const out = join(dir, `keygen-${counter++}`);
    await writeKeyPair(out);
    const keyFile = join(out, 'slipway-signing.key.pem');
    ok('openssl', ['pkey', '-in', keyFile, '-noout']);
    expect(ok('openssl', ['pkey', '-in', keyFile, '-pubout'])).toBe(readFileSync(join(out, 'slipway-signing.pub.pem'), 'utf8'));
    expect(ok('openssl', ['pkey', '-in', keyFile])).toBe(readFileSync(keyFile, 'utf8'));
    expect(ok('openssl', ['pkey', '-in', keyFile, '-text', '-noout'])).toMatch(/ED25519 Private-Key/);
  });

  it('refuses, with clear messages, encrypted and other-algorithm keys made by openssl', () => {
    const cases: Array<[string[], RegExp]> = [
      [['genpkey', '-algorithm', 'ed25519', '-aes256', '-pass', 'pass:secret'], /encrypted with a passphrase/],
      [['genpkey', '-algorithm', 'ed448'], /Ed448/],
      [['genpkey', '-algorithm', 'x25519'], /X25519/],
      [['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], /EC/],
      [['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'], /RSA/],
    ];
    for (const [args, message] of cases) {
      const text = ok('openssl', args);
      let error: unknown;
      try {
        parsePrivateKeyPem(text, 'the key file');
      } catch (e) {
        error = e;
      }
      expect(error, args.join(' ')).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(message);
      // No line of the PEM body leaks into the message.
      for (const line of text.split('\n').filter((l) => l && !l.startsWith('-----'))) {
        expect((error as Error).message).not.toContain(line.slice(0, 16));
      }
    }
  });
});

describeOpenssl('OpenSSL 3 and our signatures', () => {
  let keyFile: string;
  let pubFile: string;
  let seed: Uint8Array;
  beforeAll(() => {
    keyFile = tmp('sign.pem');
    ok('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyFile]);
    pubFile = tmp('sign.pub.pem', ok('openssl', ['pkey', '-in', keyFile, '-pubout']));
    seed = parsePrivateKeyPem(readFileSync(keyFile, 'utf8'));
  });

  it('openssl pkeyutl -verify accepts release.json signed by us (the SPEC §4 command), and rejects a changed one', () => {
    const files = manifestFiles([{ path: 'compose/docker-compose.yml', bytes: new TextEncoder().encode('services: {}\n') }, { path: 'README.md', bytes: new Uint8Array([0xe2, 0x82, 0xac]) }]);
    const signed = signRelease(manifest(files), seed);
    const work = join(dir, `spec-${counter++}`);
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'release.json'), signed.manifest);
    writeFileSync(join(work, 'release.json.sig'), signed.signature);
    writeFileSync(join(work, 'key.pub.pem'), readFileSync(pubFile));
    const spec = 'base64 -d release.json.sig > s && openssl pkeyutl -verify -pubin -inkey key.pub.pem -rawin -in release.json -sigfile s';
    const good = runTool('sh', ['-c', spec], { cwd: work });
    expect(good.status, good.stderr + good.stdout).toBe(0);
    expect(good.stdout).toMatch(/Signature Verified Successfully/);

    const changed = Buffer.from(signed.manifest);
    changed[changed.length - 2]! ^= 0x01;
    writeFileSync(join(work, 'release.json'), changed);
    const bad = runTool('sh', ['-c', spec], { cwd: work });
    expect(bad.status).not.toBe(0);
  });

  it('signatures made by openssl pkeyutl -sign -rawin verify in our code, and equal ours (Ed25519 is deterministic)', () => {
    for (const message of ['x', '{"a":1}', 'ünïcødé €\n'.repeat(100)]) {
      const msgFile = tmp('msg', message);
      const sigFile = tmp('sig.bin');
      ok('openssl', ['pkeyutl', '-sign', '-inkey', keyFile, '-rawin', '-in', msgFile, '-out', sigFile]);
      const sig = new Uint8Array(readFileSync(sigFile));
      const bytes = new Uint8Array(readFileSync(msgFile));
      const pub = parsePublicKeyPem(readFileSync(pubFile, 'utf8'));
      expect(verifyBytes(pub, bytes, sig)).toBe(true);
      expect(Buffer.from(signBytes(seed, bytes)).equals(Buffer.from(sig))).toBe(true);
      expect(verifyBytes(pub, new TextEncoder().encode(message + '.'), sig)).toBe(false);
      // And our .sig text decodes, with coreutils base64 and with ours, to the same bytes.
      const decodedFile = tmp('sig.decoded');
      ok('sh', ['-c', 'base64 -d > "$1"', 'sh', decodedFile], signatureFileText(sig));
      expect(Buffer.from(readFileSync(decodedFile)).equals(Buffer.from(sig))).toBe(true);
      expect(Buffer.from(parseSignatureFile(signatureFileText(sig))).equals(Buffer.from(sig))).toBe(true);
    }
  });

  it('openssl rejects our signature under a different key', () => {
    const otherKey = tmp('other.pem');
    ok('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', otherKey]);
    const otherPub = tmp('other.pub.pem', ok('openssl', ['pkey', '-in', otherKey, '-pubout']));
    const msg = tmp('m', 'hello');
    const sig = tmp('s.bin', signBytes(seed, new TextEncoder().encode('hello')));
    expect(runTool('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pubFile, '-rawin', '-in', msg, '-sigfile', sig]).status).toBe(0);
    expect(runTool('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', otherPub, '-rawin', '-in', msg, '-sigfile', sig]).status).not.toBe(0);
  });
});

describeAge('age and the keygen identity', () => {
  it('age-keygen -y derives the recipient we wrote, and age decrypts to the identity', async () => {
    const out = join(dir, `age-${counter++}`);
    const result = await writeKeyPair(out);
    const identityFile = join(out, 'age-identity.txt');
    const text = readFileSync(identityFile, 'utf8');
    expect(text).toMatch(/^# public key: age1[0-9a-z]{58}\nAGE-SECRET-KEY-1[0-9A-Z]{58}\n$/);
    expect(text.split('\n')[0]).toBe(`# public key: ${result.ageRecipient}`);
    expect(statSync(identityFile).mode & 0o777).toBe(0o600);
    expect(ok('age-keygen', ['-y', identityFile]).trim()).toBe(result.ageRecipient);
    const encrypted = ok('age', ['--armor', '-r', result.ageRecipient], 'secret payload');
    expect(ok('age', ['-d', '-i', identityFile], encrypted)).toBe('secret payload');
    expect(keyId(parsePublicKeyPem(readFileSync(join(out, 'slipway-signing.pub.pem'), 'utf8')))).toBe(result.keyId);
  });
});
