import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithTool, toolPresent } from '../../test/support/tools.js';
import { IntegrityError } from '../core/errors.js';
import { generateSigningKey, parsePrivateKeyPem, publicKeyOf } from '../core/signing/keys.js';
// The test reaches up to publish on purpose: it proves publish's reader applies this folder's rule.
import { readOutput } from '../publish/output.js';
import { manifestFiles, type ReleaseManifest } from '../sign/manifest.js';
import { signRelease } from '../sign/release.js';
import { writeReleaseIndex } from '../../test/support/release-index.js';
import { sha256Hex } from '../core/digest.js';
import { openPrevious, readDeployState, verifyOutputTree } from './index.js';

/**
 * One rule for links in a deploy tree, whoever reads it: `build --previous`, `diff --against`,
 * `verify` and `publish` all refuse a symbolic link inside an environment folder, name it with the
 * same words, and exit 3. The links below point at byte-identical copies, so a reader that followed
 * them would see a valid, correctly signed folder: only the refusal can make these checks pass.
 */

const seed = parsePrivateKeyPem(generateSigningKey().privatePem);
const trusted = [publicKeyOf(seed)];
const environmentFiles: Record<string, string> = {
  'README.md': '# prod\n',
  'plan.json': '{"steps":[]}\n',
  'k8s/kustomization.yaml': 'resources: []\n',
  'k8s/namespace.yaml': 'kind: Namespace\n',
};

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A signed one-environment deploy tree, and a folder outside it for link targets. */
function deployTree(): { root: string; outside: string; folder: string } {
  const base = mkdtempSync(join(tmpdir(), 'slipway-link-policy-'));
  made.push(base);
  const root = join(base, 'tree');
  const folder = join(root, 'environments', 'prod');
  const encoded = Object.entries(environmentFiles).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) }));
  const manifest: ReleaseManifest = {
    apiVersion: 'slipway.dev/v1', kind: 'ReleaseManifest', environment: 'prod', release: '1.0.0',
    mode: 'saas', provider: 'aws', runtime: 'kubernetes', sequence: 1, previous: null, source: {}, files: manifestFiles(encoded),
  };
  const signed = signRelease(manifest, seed);
  for (const { path, bytes } of encoded) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), bytes);
  }
  // A hand-written file in the folder's extra/: not in the manifest, and not Slipway's to check.
  mkdirSync(join(folder, 'extra'));
  writeFileSync(join(folder, 'extra', 'notes.md'), '# by hand\n');
  writeFileSync(join(folder, 'release.json'), signed.manifest);
  writeFileSync(join(folder, 'release.json.sig'), signed.signature);
  writeFileSync(join(root, 'index.json'), JSON.stringify({ environments: [{ name: 'prod', status: 'ready', blockReasons: [], manifestSha256: sha256Hex(signed.manifest) }] }));
  writeReleaseIndex(root, seed);
  const outside = join(base, 'outside');
  cpSync(folder, outside, { recursive: true });
  return { root, outside, folder };
}

/** Replaces `path` (relative to the environment folder, or the folder itself) by a link to its copy outside the tree. */
function linkOut(tree: ReturnType<typeof deployTree>, path: string): void {
  const inside = path ? join(tree.folder, path) : tree.folder;
  rmSync(inside, { recursive: true });
  symlinkSync(path ? join(tree.outside, path) : tree.outside, inside);
}

function refusal(read: () => unknown): IntegrityError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(IntegrityError);
    return error as IntegrityError;
  }
  throw new Error('the read was not refused');
}

/** The words every reader uses (src/core/tree.ts), written out: a reader that phrased it its own way must fail here. */
const refused = 'is a symbolic link; Slipway reads regular files only, never links or special files';

const cases = [
  { what: 'a symlinked file', link: 'README.md', named: 'environments/prod/README.md' },
  { what: 'a symlinked folder', link: 'k8s', named: 'environments/prod/k8s' },
  { what: 'a symlinked environment folder', link: '', named: 'environments/prod' },
  { what: 'a symlinked file in extra/', link: 'extra/notes.md', named: 'environments/prod/extra/notes.md' },
  { what: 'a symlinked extra/ folder', link: 'extra', named: 'environments/prod/extra' },
];

describe('one rule for links in a deploy tree', () => {
  it('reads the same tree without links in every reader', async () => {
    const { root } = deployTree();
    const previous = openPrevious(root, root);
    expect(previous.manifest('prod')).toBeDefined();
    expect([...previous.folder('prod').keys()]).toContain('k8s/kustomization.yaml');
    expect(readDeployState(root, root).files.has('environments/prod/k8s/namespace.yaml')).toBe(true);
    expect(await verifyOutputTree(root, trusted)).toMatchObject({ failures: [], environments: [{ name: 'prod' }] });
    expect(readOutput(root, trusted).index.get('prod')?.status).toBe('ready');
  });

  for (const { what, link, named } of cases) {
    it(`refuses ${what} the same way in build --previous, diff --against, verify and publish`, async () => {
      const tree = deployTree();
      linkOut(tree, link);
      const line = `${named} ${refused}`;

      const previous = openPrevious(tree.root, tree.root);
      expect(refusal(() => previous.manifest('prod')).message).toContain(line);
      expect(refusal(() => previous.folder('prod')).message).toContain(line);
      expect(refusal(() => readDeployState(tree.root, tree.root)).message).toContain(line);

      const verified = await verifyOutputTree(tree.root, trusted);
      expect(verified.environments).toEqual([]);
      expect(verified.failures.map((failure) => `${failure.file} ${failure.reason}`)).toContain(line);
      // The link is the problem; what lies behind it is not read, so not reported as missing too.
      expect(verified.failures).toHaveLength(1);

      expect(refusal(() => readOutput(tree.root, trusted)).message).toContain(line);
    });
  }
});

describeWithTool('git', toolPresent('git'))('the same rule on a git checkout', () => {
  it('refuses a link that comes in through a clone of the deploy repository', () => {
    const tree = deployTree();
    // A link inside the repository, as git can store one: it must still never be followed.
    rmSync(join(tree.folder, 'k8s'), { recursive: true });
    renameSync(tree.outside, join(tree.root, 'shared'));
    symlinkSync('../../shared/k8s', join(tree.folder, 'k8s'));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: tree.root, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'deploy');
    const bare = `${tree.root}.git`;
    execFileSync('git', ['clone', '-q', '--bare', tree.root, bare], { stdio: 'pipe' });

    const previous = openPrevious(`${bare}#main`, tree.root);
    try {
      expect(refusal(() => previous.manifest('prod')).message).toContain(`environments/prod/k8s ${refused}`);
    } finally {
      previous.dispose();
    }
    expect(refusal(() => readDeployState(`${bare}#main`, tree.root)).message).toContain(`environments/prod/k8s ${refused}`);
  });
});
