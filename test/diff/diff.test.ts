import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptSops } from 'sops-age';
import { afterEach, describe, expect, it } from 'vitest';
import { compareTrees } from '../../src/diff/compare.js';
import { hideCredentials } from '../../src/deploy-repo/index.js';
import { COMMENT_LIMIT, COMMENT_MARKER, renderMarkdown } from '../../src/report/diff-markdown.js';
import { bareRepository, bindRelease, build, cleanUp, signedSource } from '../publish/helpers.js';
import { runCli } from '../support/cli.js';
import { describeWithTool, toolPresent } from '../support/tools.js';
import { fixturesDir } from '../support/tree.js';
import { fileMap, index, manifest } from './trees.js';

const describeTools = describeWithTool('git and openssl', toolPresent('git') && toolPresent('openssl', ['version']));
afterEach(cleanUp);

const identity = readFileSync(join(fixturesDir, 'identities', 'minimal.age.txt'), 'utf8')
  .split('\n')
  .find((line) => line.startsWith('AGE-SECRET-KEY-1'))!;

describeTools('slipway diff', () => {
  it('names the changed environment and value in every format, and the unchanged ones as such', async () => {
    const root = signedSource();
    const deployed = await build(root);
    bindRelease(root, 'prod', '1.0.1');
    const markdown = await runCli(['diff', '--against', deployed, '--format', 'markdown'], { cwd: root });
    expect(markdown.exitCode, markdown.stderr).toBe(0);
    expect(markdown.stdout.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(markdown.stdout).toMatch(/\| prod \| changed \| 1\.0\.0 → 1\.0\.1 \|/);
    expect(markdown.stdout).toMatch(/\| onprem \| unchanged \|/);
    expect(markdown.stdout).toMatch(/### prod — changed\n\n- `environments\/prod\/release\.json`: release 1\.0\.0 → 1\.0\.1, sequence 1 → 2, \d+ files listed, chained to the manifest it replaces/);
    expect(markdown.stdout).not.toMatch(/### onprem/);
    expect(markdown.stdout.length).toBeLessThanOrEqual(COMMENT_LIMIT);

    const text = await runCli(['diff', '--against', deployed], { cwd: root });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^Slipway diff against .*: 1 changed, 0 added, 0 removed, 0 blocked, 1 unchanged\n/);
    expect(text.stdout).toMatch(/\nprod: changed \(release 1\.0\.0 → 1\.0\.1\)\n/);
    expect(text.stdout).not.toMatch(/\u001b\[/);

    const json = await runCli(['diff', '--against', deployed, '--format', 'json'], { cwd: root });
    const document = JSON.parse(json.stdout);
    expect(document).toMatchObject({ kind: 'DeploymentDiff', valid: true, summary: { changed: 1, unchanged: 1 } });
    expect(document.environments.map((e: { name: string; status: string }) => [e.name, e.status])).toEqual([['onprem', 'unchanged'], ['prod', 'changed']]);
    expect(document.rules.length).toBeGreaterThan(10);
  });

  it('reports a rotated secret by name and never shows its value or ciphertext', async () => {
    const root = signedSource();
    const deployed = await build(root);
    const rotate = await runCli(['secrets', 'rotate', 'prod', 'APP_KEY'], { cwd: root, env: { SOPS_AGE_KEY: identity } });
    expect(rotate.exitCode, rotate.stderr).toBe(0);
    const sopsText = readFileSync(join(root, 'secrets', 'prod.sops.yaml'), 'utf8');
    const plaintext = (await decryptSops(sopsText, { secretKey: identity, fileType: 'yaml' })) as Record<string, string>;
    const ciphertext = /APP_KEY: (ENC\[[^\]]+\])/.exec(sopsText)![1]!;

    for (const format of ['text', 'markdown', 'json']) {
      const run = await runCli(['diff', '--against', deployed, '--format', format], { cwd: root });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toMatch(format === 'json' ? /"name": "APP_KEY",\s+"change": "changed"/ : format === 'markdown' ? /secret `APP_KEY` changed/ : /secret APP_KEY changed/);
      expect(run.stdout).not.toContain(plaintext.APP_KEY!);
      expect(run.stdout).not.toContain(plaintext.APP_KEY!.replace(/^base64:/, ''));
      expect(run.stdout).not.toContain(ciphertext);
      expect(run.stdout).not.toMatch(/ENC\[AES256_GCM,data:/);
    }
  });

  it('compares with a git repository at a ref, and shows a newly blocked target with why', async () => {
    const root = signedSource();
    const bare = bareRepository({ CODEOWNERS: '* @ops\n' });
    expect((await runCli(['publish', '--out', await build(root, bare), '--to', bare], { cwd: root })).exitCode).toBe(0);
    const onprem = join(root, 'environments', 'onprem.yaml');
    writeFileSync(onprem, readFileSync(onprem, 'utf8').replace('LIC-0001', 'LIC-0042'));
    const run = await runCli(['diff', '--against', `${bare}#main`, '--format', 'markdown'], { cwd: root });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| policy \| onprem \| {2}\| newly blocked: license LIC-0042 is revoked/);
    expect(run.stdout).toMatch(/\| onprem \| newly blocked \|/);
    expect(run.stdout).not.toMatch(/CODEOWNERS/);
  });

  it('exits 1 with findings on invalid input (and says so in markdown and json), 2 on wrong usage', async () => {
    const root = signedSource();
    const deployed = await build(root);
    writeFileSync(join(root, 'environments', 'prod.yaml'), 'name: prod\nmode: nonsense\n');
    const markdown = await runCli(['diff', '--against', deployed, '--format', 'markdown'], { cwd: root });
    expect(markdown.exitCode).toBe(1);
    expect(markdown.stdout).toMatch(/^<!-- slipway-diff -->\n## Slipway diff\n\nThe source tree is invalid/);
    expect(markdown.stderr).toMatch(/environments\/prod\.yaml:\d+:\d+: error/);
    const json = await runCli(['diff', '--against', deployed, '--format', 'json'], { cwd: root });
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false });
    expect((await runCli(['diff', '--against', deployed, '--format', 'yaml'], { cwd: root })).exitCode).toBe(2);
    expect((await runCli(['diff'], { cwd: root })).exitCode).toBe(2);
    expect((await runCli(['diff', '--against', join(root, 'no-such-repo.git#main')], { cwd: root })).exitCode).toBe(1);
  });
});

describe('locations in reports', () => {
  it('never show credentials from a URL', () => {
    expect(hideCredentials('https://x-access-token:ghs_secret@github.com/acme/deploy.git#main')).toBe('https://***@github.com/acme/deploy.git#main');
    expect(hideCredentials('fatal: unable to access https://u:p@example.com/r.git/: 403')).toBe('fatal: unable to access https://***@example.com/r.git/: 403');
    expect(hideCredentials('../deploy.git')).toBe('../deploy.git');
  });
});

describe('the markdown comment fits one GitHub comment', () => {
  const big = (lines: number, seed: string) => Array.from({ length: lines }, (_, i) => `${seed} line ${i} ${'x'.repeat(60)}`).join('\n');

  it('folds long diffs, then leaves the largest out with a note', () => {
    const oldTree: Record<string, string> = { 'index.json': index({ name: 'prod' }), 'environments/prod/release.json': manifest('prod') };
    const newTree: Record<string, string> = { ...oldTree };
    for (let i = 0; i < 30; i++) {
      oldTree[`environments/prod/k8s/file-${i}.yaml`] = big(200, 'old');
      newTree[`environments/prod/k8s/file-${i}.yaml`] = big(200, 'new');
    }
    newTree['environments/prod/k8s/small.yaml'] = 'a: 1\n';
    const text = renderMarkdown(compareTrees('deploy', fileMap(oldTree), fileMap(newTree)));
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(text).toMatch(/<details><summary><code>environments\/prod\/k8s\/file-\d+\.yaml<\/code>/);
    expect(text).toMatch(/diff left out to fit one comment/);
    expect(text).toMatch(/`environments\/prod\/k8s\/small\.yaml` \(added, \+1 −0\)\n\n```diff\n/);
    expect((text.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  it('cuts with a note, and closes what it cut open, when even the notes do not fit', () => {
    const oldTree: Record<string, string> = { 'index.json': index({ name: 'prod' }) };
    const newTree: Record<string, string> = { 'index.json': index({ name: 'prod' }) };
    for (let i = 0; i < 3000; i++) newTree[`environments/prod/files/a-rather-long-file-name-${i}.json`] = `${i}\n`;
    const text = renderMarkdown(compareTrees('deploy', fileMap(oldTree), fileMap(newTree)));
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(text).toMatch(/This comment was cut to fit GitHub’s size limit/);
    expect((text.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect((text.match(/<details>/g) ?? []).length).toBe((text.match(/<\/details>/g) ?? []).length);
  });

  it('keeps a diff that contains backtick fences inside its own longer fence', () => {
    const oldTree = { 'index.json': index({ name: 'prod' }), 'environments/prod/README.md': 'a\n' };
    const newTree = { ...oldTree, 'environments/prod/README.md': 'a\n```\n</details>\n````\n' };
    const text = renderMarkdown(compareTrees('deploy', fileMap(oldTree), fileMap(newTree)));
    expect(text).toMatch(/`````diff\n[\s\S]*\n`````/);
  });
});
