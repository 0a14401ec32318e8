/**
 * `slipway keygen --out DIR`: a release-signing key pair and an age identity for secrets.
 *
 * - `slipway-signing.key.pem` (0600): Ed25519 private key, PKCS#8 PEM (as openssl writes it)
 * - `slipway-signing.pub.pem` (0644): its SPKI public key; copy it into the source's `keys/`
 * - `age-identity.txt` (0600): as `age-keygen` writes it, minus the `# created:` time line:
 *   `# public key: age1…` then `AGE-SECRET-KEY-1…`
 *
 * Never overwrites: if any of the three exists, nothing is written.
 */
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { UserError } from '../core/errors.js';
import { generateSigningKey } from '../core/signing/keys.js';

export const SIGNING_KEY_FILE = 'slipway-signing.key.pem';
export const SIGNING_PUBLIC_KEY_FILE = 'slipway-signing.pub.pem';
export const AGE_IDENTITY_FILE = 'age-identity.txt';

export interface KeyPairFiles {
  keyId: string;
  ageRecipient: string;
  files: { signingKey: string; publicKey: string; ageIdentity: string };
}

/** The age identity file text, in age-keygen's layout. */
function ageIdentityFileText(identity: string, recipient: string): string {
  return `# public key: ${recipient}\n${identity}\n`;
}

export async function writeKeyPair(dir: string): Promise<KeyPairFiles> {
  const files = {
    signingKey: join(dir, SIGNING_KEY_FILE),
    publicKey: join(dir, SIGNING_PUBLIC_KEY_FILE),
    ageIdentity: join(dir, AGE_IDENTITY_FILE),
  };
  const existing: string[] = [];
  for (const path of Object.values(files)) {
    if (await stat(path).then(() => true, () => false)) existing.push(path);
  }
  if (existing.length > 0) {
    throw new UserError(`refusing to overwrite existing key file(s): ${existing.join(', ')}; move them away or choose another --out folder`);
  }
  await mkdir(dir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new UserError(`cannot create ${dir}: ${e.code ?? e.message}`);
  });

  const signing = generateSigningKey();
  // X25519 explicitly (what generateIdentity returns today): sops and Flux read these identities;
  // a future default of post-quantum identities would not be.
  const identity = await generateX25519Identity();
  const ageRecipient = await identityToRecipient(identity);

  const written: string[] = [];
  try {
    await writeExclusive(files.signingKey, signing.privatePem, 0o600);
    written.push(files.signingKey);
    await writeExclusive(files.publicKey, signing.publicPem, 0o644);
    written.push(files.publicKey);
    await writeExclusive(files.ageIdentity, ageIdentityFileText(identity, ageRecipient), 0o600);
    written.push(files.ageIdentity);
  } catch (e) {
    await Promise.all(written.map((p) => rm(p, { force: true })));
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') throw new UserError(`refusing to overwrite ${err.path ?? 'an existing key file'}`);
    throw new UserError(`cannot write the key files in ${dir}: ${err.code ?? err.message}`);
  }
  return { keyId: signing.keyId, ageRecipient, files };
}

/** Create a new file (O_EXCL) with the given mode set before any secret byte is written. */
export async function writeExclusive(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.chmod(mode); // the umask may have removed bits from a public file's mode
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
