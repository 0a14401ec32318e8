import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { generateSigningKey, parsePrivateKeyPem } from '../../src/core/signing/keys.js';
import { keptRelease } from '../../src/sign/release-files.js';
import { parseReleaseIndex, releaseIndexFiles } from '../../src/sign/release-index.js';
import { keepsSignature } from '../../src/sign/revocation.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { opensslVerifiesFile } from '../support/openssl.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { useTrees } from '../support/tree.js';

/**
 * Known answers for revocation: the root manifest's `revokedKeys` written out by hand, signatures
 * made again over the same bytes checked by OpenSSL, the policy's findings at their lines, and the
 * command line's `--revoked`.
 */

const describeTools = describeWithTool('openssl', toolPresent('openssl', ['version']));
const newTree = useTrees();
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const A = '0123456789abcdef';
const B = 'fedcba9876543210';
const ROOT_FILES = [{ path: 'index.json', bytes: utf8('{}\n') }];
const ENVIRONMENTS = [{ name: 'prod', status: 'ready' as const, manifestSha256: 'a'.repeat(64) }];
const FILES = '"files":[{"path":"index.json","sha256":"ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356","size":3}]';
const PLAIN = `{"apiVersion":"slipway.dev/v1","environments":[{"manifestSha256":"${'a'.repeat(64)}","name":"prod","status":"ready"}],${FILES},"kind":"ReleaseIndex","previous":null,"sequence":1}`;

/** A key pair written where OpenSSL can read it: `<dir>/<name>.pem` and `<name>.pub.pem`. */
function writeKey(dir: string, name: string): Uint8Array {
  const key = generateSigningKey();
  writeFileSync(join(dir, `${name}.pem`), key.privatePem);
  writeFileSync(join(dir, `${name}.pub.pem`), key.publicPem);
  return parsePrivateKeyPem(key.privatePem);
}

describeTools('revocation known answers', () => {
  it('release-index.json records revoked key ids sorted between previous and sequence, and has no field while none is revoked', () => {
    expect(text(releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, {})[0]!.bytes)).toBe(PLAIN);
    expect(text(releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, { revokedKeys: [] })[0]!.bytes)).toBe(PLAIN);
    const revoked = text(releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, { revokedKeys: [B, A, B] })[0]!.bytes);
    expect(revoked).toBe(PLAIN.replace('"previous":null,', `"previous":null,"revokedKeys":["${A}","${B}"],`));
    // A new revocation is new content: the next root manifest, chained to the one before.
    const next = text(releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, { previous: { manifest: utf8(PLAIN) }, revokedKeys: [A] })[0]!.bytes);
    expect(next).toBe(PLAIN.replace('"previous":null,"sequence":1', `"previous":"${sha256(PLAIN)}","revokedKeys":["${A}"],"sequence":2`));
  });

  it('refuses a root manifest whose revokedKeys is empty, unsorted, repeated or not key ids', () => {
    const withList = (list: string) => utf8(PLAIN.replace('"previous":null,', `"previous":null,"revokedKeys":${list},`));
    for (const [list, problem] of [
      ['[]', 'revokedKeys must be a non-empty array'],
      [`["${B}","${A}"]`, 'revokedKeys[1] is out of order or repeated'],
      [`["${A}","${A}"]`, 'revokedKeys[1] is out of order or repeated'],
      ['["0123456789ABCDEF"]', 'revokedKeys[0] must be a key id'],
      ['["0123"]', 'revokedKeys[0] must be a key id'],
    ] as const) {
      expect(() => parseReleaseIndex(withList(list)), list).toThrow(problem);
    }
  });

  it('signs the same bytes again when the kept signature is not by a current key, and OpenSSL verifies the new one under the new key', () => {
    const dir = newTree();
    const seedA = writeKey(dir, 'a');
    const seedB = writeKey(dir, 'b');
    const signedByA = releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, { signingSeed: seedA });
    const previous = { manifest: signedByA[0]!.bytes, signature: signedByA[1]!.bytes };
    const currentIsB = keepsSignature([readPublic(dir, 'b')]);
    const again = releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, { previous, signingSeed: seedB, keepSignature: currentIsB });
    expect(again[0]!.bytes).toEqual(previous.manifest);
    writeFileSync(join(dir, 'release-index.json'), again[0]!.bytes);
    writeFileSync(join(dir, 'release-index.json.sig'), again[1]!.bytes);
    expect(opensslVerifiesFile(join(dir, 'release-index.json'), join(dir, 'b.pub.pem'))).toBe(true);
    expect(opensslVerifiesFile(join(dir, 'release-index.json'), join(dir, 'a.pub.pem'))).toBe(false);
    // A signature by a current key stays byte for byte.
    const kept = releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, { previous: { manifest: again[0]!.bytes, signature: again[1]!.bytes }, signingSeed: seedB, keepSignature: currentIsB });
    expect(kept[1]!.bytes).toEqual(again[1]!.bytes);

    // An environment's manifest the same way: the bytes and the sequence stay, the signature is B's.
    const manifest = utf8('{"sequence":1}');
    const signature = utf8(`${readOpenSslSignature(dir, 'a', manifest)}\n`);
    const release = keptRelease({ manifest, signature }, { signingSeed: seedB, keepSignature: currentIsB });
    expect(release.resigned).toBe(true);
    expect(release.files[0]!.bytes).toEqual(manifest);
    mkdirSync(join(dir, 'env'));
    writeFileSync(join(dir, 'env', 'release.json'), manifest);
    writeFileSync(join(dir, 'env', 'release.json.sig'), release.files[1]!.bytes);
    expect(opensslVerifiesFile(join(dir, 'env', 'release.json'), join(dir, 'b.pub.pem'))).toBe(true);
    // Without a key to sign with (an unsigned build) the old signature is all there is: kept.
    expect(keptRelease({ manifest, signature }, { keepSignature: currentIsB })).toEqual({ files: [{ path: 'release.json', bytes: manifest }, { path: 'release.json.sig', bytes: signature }], resigned: false });
  });

  it('reports a malformed key id at its line, and a revoked key still in keys/ as a warning naming the file; an id matching no key is fine', async () => {
    const root = newTree({
      'policies/attestation-policy.yaml':
        'requiredFor: {tiers: [production]}\nmaxAgeDays: 30\nresults:\n  prod: {status: passed, at: "2026-11-10T00:00:00Z"}\n  onprem: {status: passed, at: "2026-11-10T00:00:00Z"}\n' +
        `revokedKeys:\n  - keyId: "0123456789ABCDEF"\n  - keyId: "${A}"\n    reason: rotated\n  - {keyId: KEY}\n`,
    });
    mkdirSync(join(root, 'keys'));
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(root, 'k.pem')]);
    execFileSync('openssl', ['pkey', '-in', join(root, 'k.pem'), '-pubout', '-out', join(root, 'keys', 'old.pub.pem')]);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', join(root, 'keys', 'old.pub.pem'), '-outform', 'DER']);
    const id = sha256(der.subarray(-32)).slice(0, 16);
    const policy = join(root, 'policies', 'attestation-policy.yaml');
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('KEY', `"${id}"`));
    const run = await runCli(['validate', '--format', 'json'], { cwd: root });
    expect(run.exitCode).toBe(1);
    const findings = parseJsonLines(run.stdout).filter((finding) => finding.file === 'policies/attestation-policy.yaml');
    expect(findings).toEqual([
      { severity: 'error', code: 'invalid-value', file: 'policies/attestation-policy.yaml', line: 7, column: 12, message: expect.stringContaining('"0123456789ABCDEF" is not valid for') },
      { severity: 'warning', code: 'revoked-key-present', file: 'policies/attestation-policy.yaml', line: 10, column: 13, message: `key ${id} is revoked, but keys/old.pub.pem still holds it; remove that file (its signatures are refused either way, and bundles no longer carry it)` },
    ]);
    expect(findings[0]!.message).toContain('16 lowercase hex digits');
  });

  it('takes --revoked as key ids only (exit 2 otherwise)', async () => {
    const root = newTree();
    for (const command of [['verify', 'output'], ['publish', '--to', 'nowhere']]) {
      const run = await runCli([...command, '--revoked', 'not-a-key-id'], { cwd: root });
      expect(run.exitCode, command[0]).toBe(2);
      expect(run.stderr).toContain('--revoked "not-a-key-id": a key id is 16 lowercase hex digits');
    }
  });
});

function readPublic(dir: string, name: string): Uint8Array {
  return execFileSync('openssl', ['pkey', '-pubin', '-in', join(dir, `${name}.pub.pem`), '-outform', 'DER']).subarray(-32);
}

/** OpenSSL's Ed25519 signature of `bytes` under `<dir>/<name>.pem`, base64. */
function readOpenSslSignature(dir: string, name: string, bytes: Uint8Array): string {
  writeFileSync(join(dir, 'to-sign'), bytes);
  execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', join(dir, `${name}.pem`), '-rawin', '-in', join(dir, 'to-sign'), '-out', join(dir, 'sig.bin')]);
  return readFileSync(join(dir, 'sig.bin')).toString('base64');
}
