import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { readTree } from '../support/tree.js';
import { bareRepository, bindRelease, build, cleanUp, commitCount, head, signedSource, tempDir } from '../publish/helpers.js';

/**
 * Tampering with a signed build, file by file and attack by attack: `verify` and `publish` must
 * both refuse every change to a path Slipway manages (exit 3, the file named), and `publish` must
 * commit nothing. The build is made once; each case edits a fresh copy of it.
 */

const describeTools = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));

let root: string;
let bare: string;
/** The deploy repository's state: prod at sequence 1. */
let first: string;
/** prod bound to 1.0.1: sequence 2, chained to `first`. */
let second: string;
let commits: number;

beforeAll(async () => {
  root = signedSource();
  bare = bareRepository({ CODEOWNERS: '* @platform\n' });
  first = await build(root, bare);
  const published = await runCli(['publish', '--out', first, '--to', bare], { cwd: root });
  if (published.exitCode !== 0) throw new Error(published.stderr);
  bindRelease(root, 'prod', '1.0.1');
  second = await build(root, bare);
  commits = commitCount(bare);
}, 120_000);
afterAll(cleanUp);

/** A fresh copy of the second build, edited by `edit`. */
function tampered(edit: (dir: string) => void): string {
  const dir = join(tempDir('slipway-tampered-'), 'output');
  cpSync(second, dir, { recursive: true });
  edit(dir);
  return dir;
}

/** verify and publish both refuse `dir` with exit 3, naming `file`, and nothing reaches the repository. */
async function expectRefused(dir: string, file: string): Promise<void> {
  const before = head(bare);
  const verify = await runCli(['verify', dir], { cwd: root });
  expect(verify.exitCode, `verify after tampering with ${file}: ${verify.stderr}`).toBe(3);
  expect(verify.stderr, `verify names ${file}`).toMatch(new RegExp(`(^|\\n)${escape(file)}[ :]`));
  const publish = await runCli(['publish', '--out', dir, '--to', bare, '--signing-key', 'signing/key.pem'], { cwd: root });
  expect(publish.exitCode, `publish after tampering with ${file}: ${publish.stderr}`).toBe(3);
  expect(publish.stderr, `publish names ${file}`).toMatch(new RegExp(`\\n  ${escape(file)}[ :]`));
  expect(head(bare)).toBe(before);
  expect(commitCount(bare)).toBe(commits);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const edit = (dir: string, path: string, change: (text: string) => string) => writeFileSync(join(dir, path), change(readFileSync(join(dir, path), 'utf8')));
const json = (dir: string, path: string) => JSON.parse(readFileSync(join(dir, path), 'utf8'));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describeTools('tampering with a signed build', () => {
  it('passes the untouched build in both commands', async () => {
    const verify = await runCli(['verify', second], { cwd: root });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok onprem 1\.0\.0 signed by [0-9a-f]{16}\nok prod 1\.0\.1 signed by/);
  });

  it('refuses one byte changed in any file of the tree', async () => {
    const paths = [...readTree(second).keys()];
    expect(paths).toEqual(expect.arrayContaining(['index.json', 'README.md', 'release-index.json', 'release-index.json.sig', 'environments/prod/release.json.sig']));
    expect(paths.some((path) => path.startsWith('charts/'))).toBe(true);
    expect(paths.some((path) => path.startsWith('api/'))).toBe(true);
    for (const path of paths) {
      const dir = tampered((d) => {
        const bytes = readFileSync(join(d, path));
        const at = Math.floor(bytes.length / 2);
        bytes[at] = bytes[at]! ^ 0x01;
        writeFileSync(join(d, path), bytes);
      });
      // A changed release.json fails its signature (named .sig) and the root manifest's digest (named itself).
      await expectRefused(dir, path);
    }
  }, 300_000);

  it('refuses any file removed from the tree', async () => {
    for (const path of readTree(second).keys()) await expectRefused(tampered((d) => rmSync(join(d, path))), path);
  }, 300_000);

  it('refuses a file added to any managed folder', async () => {
    const folders = new Set([...readTree(second).keys()].map((path) => path.split('/').slice(0, -1).join('/')).filter(Boolean));
    expect(folders.size).toBeGreaterThan(5);
    for (const folder of folders) {
      const added = `${folder}/added.yaml`;
      await expectRefused(tampered((d) => writeFileSync(join(d, added), 'kind: Secret\n')), added);
    }
  }, 300_000);

  it('lists a file at the root Slipway does not write as unmanaged in verify, and publish refuses to commit it', async () => {
    const dir = tampered((d) => writeFileSync(join(d, 'NOTES.md'), 'hand-written\n'));
    const verify = await runCli(['verify', dir], { cwd: root });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^unmanaged NOTES\.md /m);
    const publish = await runCli(['publish', '--out', dir, '--to', bare], { cwd: root });
    expect(publish.exitCode).toBe(3);
    expect(publish.stderr).toMatch(/NOTES\.md is not a file Slipway writes/);
    expect(commitCount(bare)).toBe(commits);
  });

  const attacks: Array<[string, string, (dir: string) => void]> = [
    ['a changed base64 character in a .sig', 'environments/prod/release.json.sig', (d) => edit(d, 'environments/prod/release.json.sig', (t) => t.slice(0, 3) + (t[3] === 'A' ? 'B' : 'A') + t.slice(4))],
    ['a truncated .sig', 'environments/prod/release.json.sig', (d) => edit(d, 'environments/prod/release.json.sig', (t) => t.slice(0, 40) + '\n')],
    ["another environment's .sig", 'environments/prod/release.json.sig', (d) => cpSync(join(d, 'environments/onprem/release.json.sig'), join(d, 'environments/prod/release.json.sig'))],
    ['sequence edited from 2 to 9', 'environments/prod/release.json', (d) => edit(d, 'environments/prod/release.json', (t) => t.replace('"sequence":2', '"sequence":9'))],
    ['a file edited with its sha256 and size rewritten in release.json', 'environments/prod/release.json', (d) => {
      const path = 'environments/prod/README.md';
      const manifest = json(d, 'environments/prod/release.json');
      const bytes = Buffer.from('# prod, edited\n');
      writeFileSync(join(d, path), bytes);
      const entry = manifest.files.find((f: { path: string }) => f.path === 'README.md');
      Object.assign(entry, { sha256: sha256(bytes), size: bytes.length });
      writeFileSync(join(d, 'environments/prod/release.json'), JSON.stringify(manifest));
    }],
    ['an added file listed in release.json', 'environments/prod/release.json', (d) => {
      const manifest = json(d, 'environments/prod/release.json');
      const bytes = Buffer.from('kind: Secret\n');
      writeFileSync(join(d, 'environments/prod/k8s/zz.yaml'), bytes);
      manifest.files.push({ path: 'k8s/zz.yaml', sha256: sha256(bytes), size: bytes.length });
      writeFileSync(join(d, 'environments/prod/release.json'), JSON.stringify(manifest));
    }],
    ['an entry deleted from index.json with its folder', 'index.json', (d) => {
      const index = json(d, 'index.json');
      index.environments = index.environments.filter((e: { name: string }) => e.name !== 'prod');
      writeFileSync(join(d, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
      rmSync(join(d, 'environments/prod'), { recursive: true });
    }],
    ["an entry's status set to blocked in index.json", 'index.json', (d) => edit(d, 'index.json', (t) => t.replace(/"status": "ready"/, '"status": "blocked"'))],
    ['a byte of a chart template', 'charts/', (d) => {
      const templates = join(d, 'charts', readdirSync(join(d, 'charts'))[0]!, 'templates');
      const file = join(templates, readdirSync(templates).sort()[0]!);
      writeFileSync(file, `${readFileSync(file, 'utf8')}# edited\n`);
    }],
    ['the README.md', 'README.md', (d) => edit(d, 'README.md', (t) => t.replace('prod', 'pr0d'))],
    ['a policy under api/', 'api/v1/deployment-server/target-policy.json', (d) => edit(d, 'api/v1/deployment-server/target-policy.json', (t) => t.replace('{', '{ '))],
    ['an environment folder removed', 'environments/onprem/release.json', (d) => rmSync(join(d, 'environments/onprem'), { recursive: true })],
    ['every environment removed', 'environments', (d) => rmSync(join(d, 'environments'), { recursive: true })],
    ['the root manifest removed', 'release-index.json', (d) => rmSync(join(d, 'release-index.json'))],
    ["the root manifest's signature changed", 'release-index.json.sig', (d) => edit(d, 'release-index.json.sig', (t) => (t[0] === 'A' ? 'B' : 'A') + t.slice(1))],
    ['an environment dropped from the root manifest', 'release-index.json.sig', (d) => {
      const index = json(d, 'release-index.json');
      index.environments = index.environments.filter((e: { name: string }) => e.name !== 'prod');
      writeFileSync(join(d, 'release-index.json'), JSON.stringify(index));
    }],
    ['the older, validly signed folder of prod replayed', 'environments/prod/release.json', (d) => {
      rmSync(join(d, 'environments/prod'), { recursive: true });
      cpSync(join(first, 'environments/prod'), join(d, 'environments/prod'), { recursive: true });
    }],
    ['an environment folder copied under a new name', 'environments/stage', (d) => cpSync(join(d, 'environments/prod'), join(d, 'environments/stage'), { recursive: true })],
    ["the chart pin rewritten in a manifest", 'environments/prod/release.json', (d) => edit(d, 'environments/prod/release.json', (t) => t.replace(/("chart":\{[^}]*"sha256":")[0-9a-f]/, '$10'))],
    ['an environment file replaced by the one of another', 'environments/prod/plan.json', (d) => cpSync(join(d, 'environments/onprem/plan.json'), join(d, 'environments/prod/plan.json'))],
    ['a signature file with trailing text', 'environments/onprem/release.json.sig', (d) => edit(d, 'environments/onprem/release.json.sig', (t) => `${t}extra\n`)],
    ['index.json replaced by the previous build\u2019s', 'index.json', (d) => cpSync(join(first, 'index.json'), join(d, 'index.json'))],
  ];

  for (const [what, file, change] of attacks) {
    it(`refuses ${what}`, async () => {
      const dir = tampered(change);
      if (file === 'charts/') {
        const verify = await runCli(['verify', dir], { cwd: root });
        expect(verify.exitCode).toBe(3);
        expect(verify.stderr).toMatch(/^charts\/[^/]+\/templates\/[^ ]+ does not match release-index\.json/m);
        expect(verify.stderr).toMatch(/^environments\/prod\/release\.json pins chart /m);
        const publish = await runCli(['publish', '--out', dir, '--to', bare], { cwd: root });
        expect(publish.exitCode).toBe(3);
        expect(publish.stderr).toMatch(/\n {2}charts\/[^/]+\/templates\/[^ ]+ does not match/);
        expect(commitCount(bare)).toBe(commits);
        return;
      }
      await expectRefused(dir, file);
    });
  }
});
