import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli.js';
import { fixturesDir, readTree, repositoryRoot } from '../support/tree.js';

/**
 * `slipway merge`: shard builds made into separate folders (one per CI runner) merge into exactly
 * the tree of one full build, signed or not, with or without --previous; and whatever does not add
 * up is refused with a clear message and nothing written.
 */

const EXAMPLE = ['environments', 'services', 'releases', 'policies', 'secrets', 'keys', 'overlays', 'slipway.yaml'];
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A work folder holding a copy of a source tree (`source/`) and a fresh release key (`signing/`, trusted in `trusted/`). */
function workspace(base: 'example' | 'minimal'): { work: string; root: string; key: string; trusted: string } {
  const work = mkdtempSync(join(tmpdir(), 'slipway-merge-'));
  made.push(work);
  const root = join(work, 'source');
  if (base === 'example') for (const entry of EXAMPLE) cpSync(join(repositoryRoot, entry), join(root, entry), { recursive: true });
  else cpSync(join(fixturesDir, 'minimal'), root, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(join(work, 'signing'));
  mkdirSync(join(work, 'trusted'));
  writeFileSync(join(work, 'signing', 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(work, 'trusted', 'release.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  return { work, root, key: join(work, 'signing', 'key.pem'), trusted: join(work, 'trusted') };
}

async function slipway(work: string, args: string[], expected = 0): Promise<CliRun> {
  const run = await runCli(args, { cwd: work });
  expect(run.exitCode, `slipway ${args.join(' ')}\n${run.stderr}`).toBe(expected);
  expect(run.stderr).not.toMatch(/\n\s+at |bug in Slipway/);
  return run;
}

/** Every share of a K/N split, each built into its own folder as on its own runner; returns the folders. */
async function shards(work: string, root: string, count: number, options: string[], name = 'share'): Promise<string[]> {
  const folders: string[] = [];
  for (let k = 1; k <= count; k++) {
    const out = join(work, `${name}-${k}`);
    await slipway(work, ['build', '--root', root, '--out', out, '--shard', `${k}/${count}`, ...options]);
    folders.push(out);
  }
  return folders;
}

function expectSameTree(actual: string, expected: string): void {
  const [a, b] = [readTree(actual), readTree(expected)];
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [path, bytes] of b) expect(a.get(path)?.equals(bytes), path).toBe(true);
}

const environmentsIn = (dir: string) => [...new Set([...readTree(dir).keys()].filter((path) => path.startsWith('environments/')).map((path) => path.split('/')[1]))].sort();

describe('slipway merge of shards built in separate folders', () => {
  it('gives the full build byte for byte, unsigned (the bundled example, 3 shares)', async () => {
    const { work, root } = workspace('example');
    const folders = await shards(work, root, 3, ['--no-sign']);
    const full = join(work, 'full');
    await slipway(work, ['build', '--root', root, '--out', full, '--no-sign']);
    // Each share on its own disk holds only its own environments; together they hold every folder.
    const held = folders.map(environmentsIn);
    for (const share of held) expect(share.length).toBeLessThan(environmentsIn(full).length);
    expect(held.flat().sort()).toEqual(environmentsIn(full));

    const merged = await slipway(work, ['merge', ...folders, '--root', root, '--out', join(work, 'merged'), '--no-sign']);
    expect(merged.stderr).toMatch(/merged 3 shard\(s\) into .*: 11 environment\(s\) from the shards, unsigned/);
    expectSameTree(join(work, 'merged'), full);
  });

  it('gives the full build byte for byte, signed, and the merged tree verifies (the bundled example, 3 shares)', async () => {
    const { work, root, key, trusted } = workspace('example');
    const folders = await shards(work, root, 3, ['--signing-key', key]);
    const full = join(work, 'full');
    await slipway(work, ['build', '--root', root, '--out', full, '--signing-key', key]);
    const merged = await slipway(work, ['merge', ...folders, '--root', root, '--out', join(work, 'merged'), '--signing-key', key, '--format', 'json']);
    expectSameTree(join(work, 'merged'), full);
    const summary = JSON.parse(merged.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ kind: 'MergeSummary', ok: true, shards: 3, environments: 16, taken: 11, kept: 0, signed: true, files: readTree(full).size });
    const verify = await slipway(work, ['verify', join(work, 'merged'), '--keys', trusted]);
    expect(verify.stdout.match(/^ok /gm)).toHaveLength(11);
  });

  it('with --previous: changed environments chain, a blocked one keeps its folder, the root manifest chains (3 shares, one of them empty)', async () => {
    const { work, root, key, trusted } = workspace('minimal');
    const previous = join(work, 'previous');
    await slipway(work, ['build', '--root', root, '--out', previous, '--signing-key', key]);
    // onprem is blocked now (a revoked license): it keeps what the deploy state holds. prod moves to a new release.
    const edit = (path: string, from: string, to: string) => writeFileSync(join(root, path), readFileSync(join(root, path), 'utf8').replace(from, to));
    edit('environments/onprem.yaml', 'LIC-0001', 'LIC-0042');
    cpSync(join(root, 'releases', '1.0.0.yaml'), join(root, 'releases', '1.0.1.yaml'));
    edit('releases/1.0.1.yaml', 'version: "1.0.0"', 'version: "1.0.1"');
    edit('environments/prod.yaml', 'release: "1.0.0"', 'release: "1.0.1"');

    for (const signing of [['--signing-key', key], ['--no-sign']]) {
      const options = ['--previous', previous, ...signing];
      const folders = await shards(work, root, 3, options, `share${signing.length}`);
      expect(folders.map(environmentsIn)).toEqual([[], ['onprem'], ['prod']]);
      // An artifact upload keeps no empty folder: the empty share arrives without environments/.
      rmSync(join(folders[0]!, 'environments'), { recursive: true });
      const full = join(work, `full${signing.length}`);
      await slipway(work, ['build', '--root', root, '--out', full, ...options]);
      const out = join(work, `merged${signing.length}`);
      const merged = await slipway(work, ['merge', ...folders, '--root', root, '--out', out, ...options]);
      expect(merged.stderr).toMatch(/1 environment\(s\) from the shards, 1 blocked kept from --previous/);
      expectSameTree(out, full);
      expect(readFileSync(join(out, 'environments', 'onprem', 'release.json'))).toEqual(readFileSync(join(previous, 'environments', 'onprem', 'release.json')));
      const prod = JSON.parse(readFileSync(join(out, 'environments', 'prod', 'release.json'), 'utf8'));
      expect(prod).toMatchObject({ sequence: 2, previous: sha256(readFileSync(join(previous, 'environments', 'prod', 'release.json'))) });
      const index = JSON.parse(readFileSync(join(out, 'release-index.json'), 'utf8'));
      expect(index).toMatchObject({ sequence: 2, previous: sha256(readFileSync(join(previous, 'release-index.json'))) });
    }
    await slipway(work, ['verify', join(work, 'merged2'), '--keys', trusted]);
  });

  it('takes a share given twice, or an environment two shares hold with the same bytes, once', async () => {
    const { work, root, key } = workspace('minimal');
    const folders = await shards(work, root, 2, ['--signing-key', key]);
    const full = join(work, 'full');
    await slipway(work, ['build', '--root', root, '--out', full, '--signing-key', key]);
    await slipway(work, ['merge', ...folders, folders[0]!, full, '--root', root, '--out', join(work, 'merged'), '--signing-key', key]);
    expectSameTree(join(work, 'merged'), full);
  });
});

describe('slipway merge refuses what does not add up, and writes nothing', () => {
  const refused = async (work: string, args: string[], status: number, message: RegExp) => {
    const out = join(work, 'refused');
    const run = await slipway(work, ['merge', ...args, '--out', out], status);
    expect(run.stderr).toMatch(message);
    expect(existsSync(out), 'nothing written').toBe(false);
    return run;
  };

  it('a missing share (exit 1), naming the environments no shard holds', async () => {
    const { work, root, key } = workspace('minimal');
    const folders = await shards(work, root, 3, ['--signing-key', key]);
    const run = await refused(work, [folders[0]!, folders[1]!, '--root', root, '--signing-key', key], 1, /shard-missing: environment prod has no folder in any of the 2 shard\(s\)/);
    expect(run.stderr).toMatch(/merge failed: 1 problem\(s\); nothing was written/);
  });

  it('overlapping shares whose folders differ (exit 1), naming both shares and the first file that differs', async () => {
    const { work, root, key } = workspace('minimal');
    const folders = await shards(work, root, 3, ['--signing-key', key]);
    // The same share built again from another commit: same environment, other bytes.
    const other = join(work, 'other-3');
    await slipway(work, ['build', '--root', root, '--out', other, '--shard', '3/3', '--signing-key', key, '--source-commit', 'a'.repeat(40)]);
    await refused(work, [...folders, other, '--root', root, '--signing-key', key], 1, new RegExp(`shard-conflict: environment prod is in ${escape(folders[2]!)} and ${escape(other)} with different bytes \\(release\\.json differs\\)`));
  });

  it('a tampered file (exit 3), naming it; a manifest rewritten to match it fails its signature (exit 3)', async () => {
    const { work, root, key } = workspace('minimal');
    const folders = await shards(work, root, 3, ['--signing-key', key]);
    const namespace = join(folders[2]!, 'environments', 'prod', 'k8s', 'namespace.yaml');
    const original = readFileSync(namespace);
    appendFileSync(namespace, '# changed\n');
    await refused(work, [...folders, '--root', root, '--signing-key', key], 3, new RegExp(`shard-tampered: ${escape(folders[2]!)}/environments/prod/k8s/namespace\\.yaml does not match release\\.json`));

    // The attacker rewrites the manifest to list the new bytes: its signature no longer verifies.
    const manifestPath = join(folders[2]!, 'environments', 'prod', 'release.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const changed = readFileSync(namespace);
    for (const file of manifest.files) if (file.path === 'k8s/namespace.yaml') Object.assign(file, { sha256: sha256(changed), size: changed.length });
    writeFileSync(manifestPath, JSON.stringify(manifest));
    await refused(work, [...folders, '--root', root, '--signing-key', key], 3, /shard-tampered: .*environments\/prod\/release\.json\.sig does not verify release\.json/);

    // A folder added to a share that its signed root manifest does not list.
    writeFileSync(namespace, original);
    const stray = await shards(work, root, 3, ['--signing-key', key], 'clean');
    cpSync(join(stray[2]!, 'environments', 'prod'), join(stray[1]!, 'environments', 'prod'), { recursive: true });
    await refused(work, [stray[1]!, stray[2]!, '--root', root, '--signing-key', key], 3, /shard-tampered: .*clean-2\/environments\/prod\/release\.json is not the manifest the shard's release-index\.json names/);
  });

  it('a shard folder of an environment the source no longer has (exit 1)', async () => {
    const { work, root, key } = workspace('minimal');
    const folders = await shards(work, root, 3, ['--signing-key', key]);
    rmSync(join(root, 'environments', 'onprem.yaml'));
    rmSync(join(root, 'secrets', 'onprem.sops.yaml'));
    await refused(work, [...folders, '--root', root, '--signing-key', key], 1, new RegExp(`shard-unknown-environment: ${escape(folders[1]!)}/environments/onprem is the folder of an environment the source tree does not have`));
  });

  it('a folder that is not a shard build\'s output, or is missing (exit 1)', async () => {
    const { work, root, key } = workspace('minimal');
    const folders = await shards(work, root, 2, ['--signing-key', key]);
    await refused(work, [folders[0]!, join(root, 'services'), '--root', root, '--signing-key', key], 1, /shard-not-output: .*services holds no index\.json: it is not the output of `slipway build`/);
    await refused(work, [folders[0]!, join(work, 'absent'), '--root', root, '--signing-key', key], 1, /shard-not-output: .*absent does not exist/);
    await refused(work, ['--root', root, '--signing-key', key], 2, /missing required argument/);
  });

  it('shares built with other options than the merge (exit 1): unsigned, another key, another --previous', async () => {
    const { work, root, key } = workspace('minimal');
    const previous = join(work, 'previous');
    await slipway(work, ['build', '--root', root, '--out', previous, '--signing-key', key]);
    writeFileSync(join(root, 'environments', 'prod.yaml'), `${readFileSync(join(root, 'environments', 'prod.yaml'), 'utf8')}description: now described\n`);

    const unsigned = await shards(work, root, 2, ['--no-sign', '--previous', previous], 'unsigned');
    await refused(work, [...unsigned, '--root', root, '--signing-key', key, '--previous', previous], 1, /shard-mismatch: .*unsigned-1 is unsigned \(built with --no-sign\)/);

    const signed = await shards(work, root, 2, ['--signing-key', key, '--previous', previous], 'signed');
    await refused(work, [...signed, '--root', root, '--no-sign', '--previous', previous], 1, /shard-mismatch: .*signed-1 is signed, but this merge is --no-sign/);
    await refused(work, [...signed, '--root', root, '--signing-key', key], 1, /shard-mismatch: .*signed-\d\/environments\/prod\/release\.json chains to [0-9a-f]{12}… at sequence 2, but --previous holds no manifest for it/);

    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(work, 'other.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    // Signed by a key the merge does not trust: a signature check failure, as verify says it.
    await refused(work, [...signed, '--root', root, '--signing-key', join(work, 'other.pem'), '--previous', previous], 3, /shard-tampered: .*release-index\.json\.sig does not verify release-index\.json under any of the \d+ trusted key\(s\)/);
    // Trusted, but not the merge's own key: the merged tree would not be one full build's.
    await refused(work, [...signed, '--root', root, '--signing-key', join(work, 'other.pem'), '--previous', previous, '--keys', join(work, 'trusted')], 1, /shard-mismatch: .*environments\/prod\/release\.json\.sig is not by the key this merge signs with/);
  });
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
