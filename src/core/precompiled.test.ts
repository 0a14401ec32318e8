import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useScratchFolders } from '../../test/support/tree.js';
import { loadPrecompiled, schemasDigest, type PrecompiledModule } from './precompiled.js';

const scratchFolder = useScratchFolders('slipway-precompiled-');

function moduleFile(digest: string): URL {
  const dir = scratchFolder();
  writeFileSync(join(dir, 'validators.cjs'), `exports.schemasDigest = ${JSON.stringify(digest)};\nexports.answer = 42;\n`);
  return pathToFileURL(join(dir, 'validators.cjs'));
}

describe('precompiled validators', () => {
  it('are used while they were made from the same schema texts', () => {
    expect(loadPrecompiled<PrecompiledModule & { answer: number }>(moduleFile(schemasDigest(['{"a":1}', '{}'])), ['{"a":1}', '{}'])?.answer).toBe(42);
  });

  it('are not used once a schema changed, nor when the build made none (running from source)', () => {
    expect(loadPrecompiled(moduleFile(schemasDigest(['{"a":1}', '{}'])), ['{"a":2}', '{}'])).toBeUndefined();
    expect(loadPrecompiled(moduleFile(schemasDigest(['{"a":1}', '{}'])), ['{}', '{"a":1}'])).toBeUndefined();
    expect(loadPrecompiled(new URL('./not-built.cjs', import.meta.url), ['{}'])).toBeUndefined();
  });
});
