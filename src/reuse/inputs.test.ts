import { readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExampleSource, useScratchFolders } from '../../test/support/tree.js';
import { digestSource, knownStatuses, type FileStatuses, type SourceDigests } from './inputs.js';

/**
 * The digest of a tree takes a file whose status (device, inode, size, times) the previous digest
 * recorded as unchanged, without reading it; everything else is read. What it takes must always
 * be what reading would give.
 */

const scratchFolder = useScratchFolders('slipway-inputs-');
const everythingSettled = () => Date.now() + 60_000;
const nothingSettled = () => 0;

/** Every digest but the statuses: what decides reuse. */
const decided = (digests: SourceDigests) => ({ shared: digests.shared, environments: [...digests.environments], releases: [...digests.releases] });

describe('the digest of the source tree', () => {
  it("lists every regular input's status and digest once its times are settled, and none before", () => {
    const root = copyExampleSource(scratchFolder());
    const settled = digestSource(root, {}, undefined, everythingSettled());
    expect(Object.keys(settled.statuses)).toEqual(expect.arrayContaining(['slipway.yaml', 'environments/eu-prod.yaml', 'secrets/eu-prod.sops.yaml', 'releases/2026.11.2.yaml']));
    expect(settled.statuses['environments/eu-prod.yaml']![1]).toBe(settled.environments.get('eu-prod')!.file);
    // Slipway's own files, which its fingerprint hashes, under keys no path of the tree can have.
    expect(Object.keys(settled.statuses)).toEqual(expect.arrayContaining(['slipway:schemas/environment.schema.json', 'slipway:generators/runbook/plan.md.hbs']));
    // The tree's own files (Slipway's are fingerprinted once per process, by the first digest's rule).
    expect(Object.keys(digestSource(root, {}, undefined, nothingSettled()).statuses).filter((key) => !key.startsWith('slipway:'))).toEqual([]);
  });

  it('takes a file whose status is unchanged at its recorded digest, unread', () => {
    const root = copyExampleSource(scratchFolder());
    const first = digestSource(root, {}, undefined, everythingSettled());
    // A recorded digest that is not the file's: taken as it is only if the file was not read.
    const known: FileStatuses = { ...first.statuses, 'environments/eu-prod.yaml': [first.statuses['environments/eu-prod.yaml']![0], 'f'.repeat(64)] };
    const again = digestSource(root, {}, known, everythingSettled());
    expect(again.environments.get('eu-prod')!.file).toBe('f'.repeat(64));
    expect(decided(digestSource(root, {}, first.statuses, everythingSettled()))).toEqual(decided(first));
  });

  it('reads a file changed since, even with its size and modification time as they were', () => {
    const root = copyExampleSource(scratchFolder());
    const path = join(root, 'environments', 'eu-prod.yaml');
    const first = digestSource(root, {}, undefined, everythingSettled());
    const before = statSync(path);
    writeFileSync(path, Buffer.from(readText(path).replace('eu-prod', 'eu-qrod')));
    utimesSync(path, before.atime, before.mtime);
    expect(statSync(path).size).toBe(before.size);
    const again = digestSource(root, {}, first.statuses, everythingSettled());
    expect(again.environments.get('eu-prod')!.file).not.toBe(first.environments.get('eu-prod')!.file);
    expect(decided(again)).toEqual(decided(digestSource(root, {}, undefined, everythingSettled())));
  });

  it('reads a file that became a link, and lists no status for what is not a regular file', () => {
    const root = copyExampleSource(scratchFolder());
    const first = digestSource(root, {}, undefined, everythingSettled());
    const path = join(root, 'environments', 'eu-prod.yaml');
    writeFileSync(join(root, 'elsewhere.yaml'), readText(path));
    rmSync(path);
    symlinkSync(join(root, 'elsewhere.yaml'), path);
    const again = digestSource(root, {}, first.statuses, everythingSettled());
    // Read through the reader, which follows a link inside the tree: the same as with no statuses at all.
    expect(decided(again)).toEqual(decided(digestSource(root, {}, undefined, everythingSettled())));
    expect(again.statuses['environments/eu-prod.yaml']).toBeUndefined();
    expect(again.statuses['secrets/eu-prod.sops.yaml']).toEqual(first.statuses['secrets/eu-prod.sops.yaml']);
  });

  it('ignores statuses of another shape, as it ignores any damaged record', () => {
    expect(knownStatuses(undefined)).toBeUndefined();
    expect(knownStatuses([])).toBeUndefined();
    expect(knownStatuses({ 'slipway.yaml': ['a'] })).toBeUndefined();
    expect(knownStatuses({ 'slipway.yaml': ['a', 1] })).toBeUndefined();
    const known = knownStatuses(JSON.parse('{"__proto__": ["a", "b"], "slipway.yaml": ["c", "d"]}'));
    expect(known?.['slipway.yaml']).toEqual(['c', 'd']);
    expect(Object.getPrototypeOf(known)).toBeNull();
    expect(known?.['__proto__']).toEqual(['a', 'b']);
  });
});

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
