/**
 * Our decryptor against files made by the real sops binary (test/fixtures/sops, see NOTICE.md):
 * secret.enc.yaml (sops 3.8.1) and secret.enc.json (sops 3.9.2), both for three age recipients,
 * one of them the test identity key.txt.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { IntegrityError, UserError } from '../errors.js';
import { decryptSopsYaml, readSopsMetadata } from './index.js';

const dir = join(import.meta.dirname, '../../../test/fixtures/sops');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const KEY = read('key.txt');
const YAML = read('secret.enc.yaml');
const JSON_FILE = read('secret.enc.json');
const PLAIN = JSON.parse(read('secret.json')) as Record<string, unknown>;
// ("string" is also a key name, so it is left out of the leak check.)
const PLAINTEXTS = ['this is a secret', 'gotta match go', 'three', '3.14'];

/** Expect a rejection of the given class whose message holds none of the fixture plaintexts. */
async function rejects(p: Promise<unknown>, cls: typeof UserError, pattern: RegExp, more: string[] = []): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  const message = (err as Error).message;
  expect(message).toMatch(pattern);
  for (const secret of [...PLAINTEXTS, ...more]) expect(message).not.toContain(secret);
}

describe('files made by sops', () => {
  it('opens the sops 3.8.1 YAML file with key.txt: secret.json, which also has 0word', async () => {
    const { ['0word']: zero, ...rest } = PLAIN;
    expect(zero).toBe('gotta match go');
    expect(readSopsMetadata(YAML).names).not.toContain('0word'); // the YAML fixture never had it
    expect(await decryptSopsYaml(YAML, [KEY])).toStrictEqual(rest);
  });

  it('opens the sops 3.9.2 JSON file (JSON is YAML): exactly secret.json', async () => {
    expect(await decryptSopsYaml(JSON_FILE, [KEY])).toStrictEqual(PLAIN);
  });

  it('keeps the file order of the keys, numbers and booleans typed', async () => {
    const out = await decryptSopsYaml(JSON_FILE, [KEY]);
    expect(Object.keys(out)).toEqual(['secret', 'string', 'int', 'float', 'boolean', '0word', 'complex']);
    expect(out['int']).toBe(7);
    expect(out['float']).toBe(3.14);
    expect(out['boolean']).toBe(true);
  });

  it('takes a whole key file, comments and all, or several identities', async () => {
    const other = await generateIdentity();
    expect(await decryptSopsYaml(YAML, [other, `# comment\n\n${KEY}\n`])).toHaveProperty('secret', 'this is a secret');
  });

  it('reads the metadata without a key', () => {
    expect(readSopsMetadata(YAML)).toEqual({
      recipients: [
        'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr',
        'age19j4d6v9j7rx5fs629fu387qz4zmlpsqjexa4s08tkfrrmfdl5cwqjlaupd',
        'age13runq29jhy9kfpaegczrzttykerswh0qprq59msgd754yermtfmsa3hwg2',
      ],
      lastModified: '2024-03-25T22:08:10Z',
      names: ['secret', 'string', 'int', 'float', 'boolean', 'complex'],
    });
  });
});

describe('refusals', () => {
  it('an identity that is not a recipient: UserError naming the recipients', async () => {
    const stranger = await generateIdentity();
    const err = await decryptSopsYaml(YAML, [stranger]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err).not.toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/cannot decrypt this SOPS file; it is encrypted to age1je6k/);
    expect((err as Error).message).not.toContain(stranger);
  });

  it('a malformed identity is refused without being echoed', async () => {
    const bad = 'AGE-SECRET-KEY-1NOTAKEYNOTAKEYNOTAKEY';
    const err = await decryptSopsYaml(YAML, [bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('NOTAKEY');
  });

  it('an altered ciphertext: IntegrityError', async () => {
    const altered = YAML.replace('data:ME9a8+qqBCwXn0eqF010rw==', 'data:ME9a8+qqBCwXn0eqF010rQ==');
    expect(altered).not.toBe(YAML);
    await rejects(decryptSopsYaml(altered, [KEY]), IntegrityError, /"secret" failed authentication/);
  });

  it('a value moved under another key: IntegrityError (the key path is authenticated)', async () => {
    const secretEnc = /^secret: (.*)$/m.exec(YAML)?.[1] ?? '';
    const moved = YAML.replace(/^string: .*$/m, `string: ${secretEnc}`);
    await rejects(decryptSopsYaml(moved, [KEY]), IntegrityError, /"string" failed authentication/);
  });

  it('an entry removed: MAC mismatch, with no plaintext and no MAC in the message', async () => {
    const removed = YAML.replace(/^string: .*\n/m, '');
    await rejects(decryptSopsYaml(removed, [KEY]), IntegrityError, /^MAC mismatch/);
  });

  it('lastmodified changed: the MAC no longer opens', async () => {
    const changed = YAML.replace('2024-03-25T22:08:10Z', '2024-03-25T22:08:11Z');
    await rejects(decryptSopsYaml(changed, [KEY]), IntegrityError, /SOPS MAC failed authentication/);
  });

  it('a value left in clear where sops encrypts: IntegrityError', async () => {
    const clear = YAML.replace(/^string: .*$/m, 'string: hunter2-in-clear');
    await rejects(decryptSopsYaml(clear, [KEY]), IntegrityError, /"string" is not a sops ENC/, ['hunter2']);
  });

  it('not a sops file, or not YAML: UserError without echoing content', async () => {
    await rejects(decryptSopsYaml('PASSWORD: this is a secret\n', [KEY]), UserError, /no top-level `sops`/);
    const broken = 'a: [this is a secret\n';
    const err = await decryptSopsYaml(broken, [KEY]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/not valid YAML/);
    expect((err as Error).message).not.toContain('this is a secret');
    expect(() => readSopsMetadata('just: text\n')).toThrow(UserError);
  });
});
