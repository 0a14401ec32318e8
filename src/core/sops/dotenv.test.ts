import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptSops } from 'sops-age';
import { describe, expect, it } from 'vitest';
import { encryptSopsYaml, sopsYamlToDotenv } from './index.js';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/sops');

describe('SOPS dotenv form', () => {
  it('sops-age decrypts the dotenv form of our file to the same values', async () => {
    const identity = await generateX25519Identity();
    const values = { APP_KEY: 'base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', DB_PASSWORD: 'p@ss=word;#"quoted" and more', QUEUE_TOKEN: 'q-0123456789abcdef' };
    const yaml = await encryptSopsYaml(values, { recipients: [await identityToRecipient(identity)], lastModified: new Date('2026-11-20T00:00:00Z') });
    const dotenv = sopsYamlToDotenv(yaml);
    expect(await decryptSops(dotenv, { secretKey: identity, fileType: 'env' })).toEqual(values);
    for (const value of Object.values(values)) expect(dotenv.includes(value)).toBe(false);
  });

  it('writes the metadata keys sops itself writes in its dotenv files, in its order', async () => {
    const sopsDotenv = readFileSync(join(fixtures, 'secret.enc.env'), 'utf8');
    const recipients = await Promise.all([1, 2, 3].map(async () => identityToRecipient(await generateX25519Identity())));
    const ours = sopsYamlToDotenv(await encryptSopsYaml({ secret: 'value-one', another_secret: 'value-two' }, { recipients, lastModified: new Date() }));
    const keys = (text: string) => text.trim().split('\n').map((line) => line.split('=')[0]!);
    expect(keys(ours).filter((key) => key.startsWith('sops_'))).toEqual(keys(sopsDotenv).filter((key) => key.startsWith('sops_')));
    // Data first, metadata last, as sops writes them.
    expect(keys(ours).slice(0, 2)).toEqual(['another_secret', 'secret']);
  });
});
