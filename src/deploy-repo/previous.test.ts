import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useScratchFolders } from '../../test/support/tree.js';
import { IntegrityError } from '../core/errors.js';
import { openPrevious } from './previous.js';

/**
 * `build --previous DIR` reads each environment's release.json and signature, one folder at a time
 * for a few environments and in one walk for many, with the same answers and the same refusals.
 */
const scratchFolder = useScratchFolders('slipway-previous-');

function deployState(count: number): string {
  const root = scratchFolder();
  for (let index = 0; index < count; index++) {
    const folder = join(root, 'environments', `env-${index}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'release.json'), `{"environment":"env-${index}"}`);
    if (index % 2 === 0) writeFileSync(join(folder, 'release.json.sig'), `signature ${index}\n`);
    writeFileSync(join(folder, 'plan.json'), '{}\n');
  }
  return root;
}

describe('the deploy state a build chains to', () => {
  it('gives every environment its own release files, read one by one or all at once', () => {
    const root = deployState(30);
    const previous = openPrevious(root, root);
    const names = [...Array.from({ length: 30 }, (_, index) => `env-${index}`), 'env-absent'];
    for (const name of [...names, ...names.reverse()]) {
      const index = Number(name.slice(4));
      expect(previous.manifest(name) && Buffer.from(previous.manifest(name)!).toString(), name).toBe(Number.isNaN(index) ? undefined : `{"environment":"${name}"}`);
      expect(previous.signature(name) && Buffer.from(previous.signature(name)!).toString(), name).toBe(Number.isNaN(index) || index % 2 === 1 ? undefined : `signature ${index}\n`);
    }
    expect([...previous.folder('env-4').keys()].sort()).toEqual(['plan.json', 'release.json', 'release.json.sig']);
  });

  it('refuses a link in a folder it chains to, release file or not, whether read alone or with all the others', () => {
    for (const [asked, link] of [[1, 'release.json'], [20, 'release.json'], [1, 'plan.json'], [20, 'plan.json']] as const) {
      const root = deployState(30);
      rmSync(join(root, 'environments', 'env-0', link));
      symlinkSync('/etc/hostname', join(root, 'environments', 'env-0', link));
      const previous = openPrevious(root, root);
      // The first environments are read one by one; past a few, all the rest at once.
      const chain = () => {
        for (let index = asked - 1; index >= 0; index--) previous.manifest(`env-${index}`);
      };
      expect(chain).toThrow(IntegrityError);
      expect(chain).toThrow(`environments/env-0/${link} is a symbolic link`);
    }
  });
});
