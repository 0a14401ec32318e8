/**
 * The fast reading of SOPS files as sops writes them must read what the YAML parse reads, or
 * nothing: files written by encryptSopsYaml, then edited the ways people and tools edit them.
 */
import { generateIdentity, identityToRecipient } from 'age-encryption';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { readCanonicalSops } from './canonical.js';
import { parseSopsText, sopsMetadataOf } from './document.js';
import { sopsDotenvOf } from './dotenv.js';
import { encryptSopsYaml } from './index.js';

let recipients: string[] = [];
beforeAll(async () => {
  recipients = await Promise.all([0, 1, 2].map(async () => identityToRecipient(await generateIdentity())));
});

/** What the YAML parse makes of a file, as load reads it; undefined where it refuses the file. */
function parsed(text: string): { names: string[]; recipients: string[]; dotenv: string } | undefined {
  try {
    const sops = parseSopsText(text);
    const metadata = sopsMetadataOf(sops);
    return { names: metadata.names, recipients: metadata.recipients, dotenv: sopsDotenvOf(sops) };
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
}

const name = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), fc.constantFrom('true', 'NULL', 'yes', 'Off', 'y', 'sops', 'A'));

/** Edits that keep a file YAML (mostly), each of which the fast reading must read as the parse does. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), from: fc.constantFrom(': ', '    ', '"', '\n', '|', '-', 'ENC[', ',type:str]', 'age', '[]', 'version: ', '=='), to: fc.constantFrom(':  ', '  ', "'", '\n\n', '|-', '|+', ' -', 'ENC [', ',type:int]', '', ' # note', '\r\n', '\t', 'x', '\n    extra: 1') }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('# comment\n', '\n', ' ', 'B: ENC[AES256_GCM,data:,iv:,tag:,type:str]\n', '---\n', '    ', 'key_groups: []\n') }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
);

type Change = { kind: 'replace'; from: string; to: string } | { kind: 'insert'; at: number; text: string } | { kind: 'delete'; at: number; length: number };

function applied(text: string, change: Change): string {
  if (change.kind === 'replace') return text.replace(change.from, change.to);
  const at = change.at % (text.length + 1);
  if (change.kind === 'insert') return text.slice(0, at) + change.text + text.slice(at);
  return text.slice(0, at) + text.slice(at + change.length);
}

describe('reading SOPS files as sops writes them', () => {
  it('reads every file encryptSopsYaml writes, exactly as the YAML parse does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name.filter((key) => key !== 'sops' && !key.endsWith('_unencrypted')), { minLength: 0, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), async (names, count) => {
        const text = await encryptSopsYaml(Object.fromEntries(names.map((key) => [key, `value of ${key}`])), { recipients: recipients.slice(0, count), lastModified: new Date(0) });
        const slow = parsed(text);
        const fast = readCanonicalSops(text);
        // Names YAML would read as booleans or null are left to the parse.
        if (names.some((key) => /^(y|n|yes|no|on|off|true|false|null)$/i.test(key))) expect(fast).toBeUndefined();
        else expect(fast).toEqual(slow);
      }),
      { numRuns: 40 },
    );
  });

  it('reads an edited file as the parse does, or leaves it to the parse', async () => {
    const base = await encryptSopsYaml({ APP_KEY: 'one', DB_PASSWORD: 'two', Z_LAST: 'three' }, { recipients, lastModified: new Date(0) });
    expect(readCanonicalSops(base)).toEqual(parsed(base));
    let recognised = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (changes) => {
        const text = changes.reduce(applied, base);
        const fast = readCanonicalSops(text);
        if (fast === undefined) return;
        recognised++;
        expect(fast).toEqual(parsed(text));
      }),
      { numRuns: 2000 },
    );
    // Some edits keep the layout (a deleted value line, a changed name): those are read, not all skipped.
    expect(recognised).toBeGreaterThan(20);
  });

  it('leaves to the parse what sops would not write: comments, quoting, other rules, other spacing', async () => {
    const base = await encryptSopsYaml({ APP_KEY: 'one' }, { recipients: recipients.slice(0, 1), lastModified: new Date(0) });
    const variants = [
      base.replace('APP_KEY: ', '# the key\nAPP_KEY: '),
      base.replace('APP_KEY: ', '"APP_KEY": '),
      base.replace('unencrypted_suffix: _unencrypted', 'encrypted_regex: ^data$'),
      base.replace('    kms: []', '  kms: []'),
      base.replace('\n', '\r\n'),
      `${base}\n`,
      base.replace('APP_KEY: ENC[', 'APP_KEY: ENC[ '),
      `${base.split('sops:')[0]}APP_KEY: ENC[AES256_GCM,data:,iv:,tag:,type:str]\nsops:${base.split('sops:')[1]}`,
    ];
    for (const text of variants) expect(readCanonicalSops(text)).toBeUndefined();
  });
});
