import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode, type ExitCodeValue } from '../../core/errors.js';
import { AGE_IDENTITY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE, writeKeyPair } from '../../sign/index.js';
import type { CliIo } from '../io.js';

export interface KeygenCommandOptions {
  out: string;
  keepExisting?: boolean;
}

/** An Ed25519 signing key pair (PKCS#8 / SPKI PEM, as OpenSSL writes them) and an age identity for secrets. */
export async function runKeygen(options: KeygenCommandOptions, io: CliIo): Promise<ExitCodeValue> {
  const dir = resolve(io.cwd, options.out);
  const files = [SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE, AGE_IDENTITY_FILE];
  if (options.keepExisting && files.every((file) => existsSync(join(dir, file)))) {
    io.stderr(`keys already in ${dir}; kept\n`);
    return ExitCode.ok;
  }
  const written = await writeKeyPair(dir);
  io.stdout(`signing key id ${written.keyId}\nage recipient ${written.ageRecipient}\n`);
  io.stderr(
    `wrote ${files.map((f) => join(dir, f)).join(', ')}\n` +
      `Trust the public key by copying ${SIGNING_PUBLIC_KEY_FILE} into keys/; keep the private key and the age identity out of git (store them as CI secrets).\n`,
  );
  return ExitCode.ok;
}
