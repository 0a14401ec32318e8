import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatGithub } from '../../src/report/format.js';
import { parseJsonLines, runCli } from '../support/cli.js';
import { fixedEpoch, fixturesDir, removeTree } from '../support/tree.js';
import { editedTree, fixtureText, validateBase } from './support.js';

/** The minimal tree without generated secrets, so exact-output assertions do not depend on the secrets rules. */

const original = (path: string) => fixtureText(path);
const prod = original('environments/prod.yaml');
const onprem = original('environments/onprem.yaml');

const tree = (files: Record<string, string | null>) => editedTree(files);

/**
 * Exactly two findings: a misspelt key in prod.yaml (line 8, column 1: the key) and onprem blocked
 * by a revoked license (a notice at its name's value, line 1, column 7).
 */
const twoFindings = {
  'environments/prod.yaml': prod.replace('region:', 'regoin:'),
  'environments/onprem.yaml': onprem.replace('license: LIC-0001', 'license: LIC-0042'),
};

const blockedMessage =
  'environment "onprem" is blocked: license LIC-0042 is revoked (policies/target-policy.yaml revokedLicenses). Nothing new is rendered or published for it until this is fixed';
const unknownKeyMessage = 'unknown key "regoin" at the top level; did you mean "region"?';

describe('finding formats', () => {
  it('json: one object a line, keys in order, sorted by file, line, column; nothing on stderr', async () => {
    const root = tree(twoFindings);
    const run = await runCli(['validate', '--format', 'json'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe(
      '{"severity":"notice","code":"blocked","file":"environments/onprem.yaml","line":1,"column":7,"message":"environment \\"onprem\\" is blocked: license LIC-0042 is revoked (policies/target-policy.yaml revokedLicenses). Nothing new is rendered or published for it until this is fixed"}\n' +
        '{"severity":"error","code":"unknown-key","file":"environments/prod.yaml","line":8,"column":1,"message":"unknown key \\"regoin\\" at the top level; did you mean \\"region\\"?"}\n',
    );
    expect(run.stderr).toBe('');
  });

  it('github: workflow commands on stdout', async () => {
    const root = tree(twoFindings);
    const run = await runCli(['validate', '--format', 'github'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe(
      `::notice file=environments/onprem.yaml,line=1,col=7,title=blocked::${blockedMessage}\n` +
        `::error file=environments/prod.yaml,line=8,col=1,title=unknown-key::${unknownKeyMessage}\n`,
    );
  });

  it('text: path:line:column: severity CODE: message on stderr, then a summary line; nothing on stdout', async () => {
    const root = tree(twoFindings);
    const run = await runCli(['validate', '--format', 'text'], { cwd: root });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `environments/onprem.yaml:1:7: notice blocked: ${blockedMessage}\n` +
        `environments/prod.yaml:8:1: error unknown-key: ${unknownKeyMessage}\n` +
        '2 environments: 0 ready, 1 blocked, 1 with errors; 1 error, 0 warnings\n',
    );
  });

  it('text is the default outside GitHub Actions', async () => {
    const root = tree(twoFindings);
    const run = await runCli(['validate'], { cwd: root });
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^environments\/onprem\.yaml:1:7: notice blocked: /);
  });

  it('text and github show paths relative to the working directory; json keeps them relative to the root', async () => {
    const root = tree(twoFindings);
    const cwd = dirname(root);
    const name = basename(root);
    const text = await runCli(['validate', '--root', name, '--format', 'text'], { cwd });
    expect(text.stderr.split('\n')[1]).toBe(`${name}/environments/prod.yaml:8:1: error unknown-key: ${unknownKeyMessage}`);
    const github = await runCli(['validate', '--root', name, '--format', 'github'], { cwd });
    expect(github.stdout.split('\n')[1]).toBe(`::error file=${name}/environments/prod.yaml,line=8,col=1,title=unknown-key::${unknownKeyMessage}`);
    const json = await runCli(['validate', '--root', name, '--format', 'json'], { cwd });
    expect(parseJsonLines(json.stdout).map((f) => f.file)).toEqual(['environments/onprem.yaml', 'environments/prod.yaml']);
  });

  it("github: escapes %, CR and LF in the message, and also ':' and ',' in properties", async () => {
    const parent = mkdtempSync(join(tmpdir(), 'slipway-escape-'));
    onTestFinished(() => removeTree(parent));
    const rootName = 'src,tree:100%';
    const root = join(parent, rootName);
    mkdirSync(root);
    cpSync(join(fixturesDir, validateBase), root, { recursive: true });
    // A key holding % and a line feed (YAML double-quoted escapes), at line 13, column 1; a carriage return is refused in inputs (below).
    writeFileSync(join(root, 'environments', 'prod.yaml'), `${prod}"50%\\noff": true\n`);
    const run = await runCli(['validate', '--root', rootName, '--format', 'github'], { cwd: parent });
    expect(run.exitCode).toBe(1);
    const lines = run.stdout.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith('::error file=src%2Ctree%3A100%25/environments/prod.yaml,line=13,col=1,title=unknown-key::unknown key "50%25%0Aoff" at the top level; allowed keys here: name, ')).toBe(true);
    // The data part keeps ':' and ',' as they are.
    expect(lines[0]).toMatch(/allowed keys here: name, description, mode, /);
    // A carriage return never reaches a message from an input, but the formatter escapes one all the same.
    expect(formatGithub({ severity: 'error', code: 'c', file: 'f.yaml', line: 1, column: 1, message: 'a\rb%' }, { root: parent, cwd: parent, format: 'github' } as never)).toBe('::error file=f.yaml,line=1,col=1,title=c::a%0Db%25');
  });

  it('GITHUB_ACTIONS=true makes github the default, and --format still wins', async () => {
    const root = tree(twoFindings);
    const run = await runCli(['validate'], { cwd: root, env: { GITHUB_ACTIONS: 'true' } });
    expect(run.stdout).toBe(
      `::notice file=environments/onprem.yaml,line=1,col=7,title=blocked::${blockedMessage}\n` +
        `::error file=environments/prod.yaml,line=8,col=1,title=unknown-key::${unknownKeyMessage}\n`,
    );
    const json = await runCli(['validate', '--format', 'json'], { cwd: root, env: { GITHUB_ACTIONS: 'true' } });
    expect(parseJsonLines(json.stdout)).toHaveLength(2);
    const other = await runCli(['validate'], { cwd: root, env: { GITHUB_ACTIONS: 'false' } });
    expect(other.stdout).toBe('');
    expect(other.stderr).toMatch(/^environments\/onprem\.yaml:1:7: notice blocked/);
  });

  it('appends a Markdown summary to $GITHUB_STEP_SUMMARY', async () => {
    const root = tree(twoFindings);
    const summaryDir = mkdtempSync(join(tmpdir(), 'slipway-summary-'));
    onTestFinished(() => removeTree(summaryDir));
    const summary = join(summaryDir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const run = await runCli(['validate'], { cwd: root, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    expect(run.exitCode).toBe(1);
    const markdown = readFileSync(summary, 'utf8');
    expect(markdown.startsWith('# earlier step\n')).toBe(true);
    expect(markdown).toContain('## Slipway validate');
    expect(markdown).toContain('1 error(s), 0 warning(s), 1 notice(s).');
    expect(markdown).toContain('| Severity | Code | Location | Message |');
    expect(markdown).toContain('| error | `unknown-key` | environments/prod.yaml:8:1 |');
    expect(markdown).toContain('| notice | `blocked` | environments/onprem.yaml:1:7 |');
    expect(markdown).toMatch(/\| onprem \| blocked \| license LIC-0042 is revoked .*\|/);
    expect(markdown).toMatch(/\| prod \| invalid \|/);
    // A second run appends, it does not overwrite.
    await runCli(['validate'], { cwd: root, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    expect(readFileSync(summary, 'utf8').split('## Slipway validate')).toHaveLength(3);
  });

  describe('colour', () => {
    const run = async (root: string, env: Record<string, string>, isTerminal: boolean) => {
      let stderr = '';
      const exitCode = await main(['validate', '--format', 'text'], {
        stdout: () => undefined,
        stderr: (text) => (stderr += text),
        env: { SOURCE_DATE_EPOCH: fixedEpoch, ...env },
        cwd: root,
        isTerminal,
      });
      return { exitCode, stderr };
    };
    // eslint-disable-next-line no-control-regex
    const ansi = /\u001b\[/;

    it('is used on a terminal', async () => {
      const root = tree(twoFindings);
      expect((await run(root, {}, true)).stderr).toMatch(ansi);
    });

    it('is never used with NO_COLOR, even on a terminal', async () => {
      const root = tree(twoFindings);
      const result = await run(root, { NO_COLOR: '1' }, true);
      expect(result.stderr).not.toMatch(ansi);
      expect(result.stderr).toContain(`environments/prod.yaml:8:1: error unknown-key: ${unknownKeyMessage}\n`);
    });

    it('is never used when stderr is not a terminal', async () => {
      const root = tree(twoFindings);
      expect((await run(root, {}, false)).stderr).not.toMatch(ansi);
    });

    it('is never used in json or github output', async () => {
      const root = tree(twoFindings);
      for (const format of ['json', 'github']) {
        let stdout = '';
        await main(['validate', '--format', format], { stdout: (t) => (stdout += t), stderr: () => undefined, env: { SOURCE_DATE_EPOCH: fixedEpoch }, cwd: root, isTerminal: true });
        expect(stdout).not.toMatch(ansi);
      }
    });
  });
});

describe('exit status', () => {
  it('is 0 for a valid tree, with no findings', async () => {
    const root = tree({});
    const run = await runCli(['validate', '--format', 'json'], { cwd: root });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('');
    const text = await runCli(['validate'], { cwd: root });
    expect(text.stderr).toBe('2 environments: 2 ready, 0 blocked; 0 errors, 0 warnings\n');
  });

  it('is 1 when there are errors', async () => {
    const root = tree({ 'environments/prod.yaml': prod.replace('region:', 'regoin:') });
    expect((await runCli(['validate'], { cwd: root })).exitCode).toBe(1);
  });

  it('is 0 for a blocked target, and 1 with --fail-on-blocked', async () => {
    const root = tree({ 'environments/onprem.yaml': onprem.replace('license: LIC-0001', 'license: LIC-0042') });
    const plain = await runCli(['validate', '--format', 'json'], { cwd: root });
    expect(plain.exitCode).toBe(0);
    expect(parseJsonLines(plain.stdout).map((f) => [f.severity, f.code])).toEqual([['notice', 'blocked']]);
    const strict = await runCli(['validate', '--format', 'json', '--fail-on-blocked'], { cwd: root });
    expect(strict.exitCode).toBe(1);
    expect(strict.stdout).toBe(plain.stdout);
  });

  it('is 0 with --fail-on-blocked when nothing is blocked', async () => {
    const root = tree({});
    expect((await runCli(['validate', '--fail-on-blocked'], { cwd: root })).exitCode).toBe(0);
  });

  it('is 2 for an unknown --format, naming the allowed ones', async () => {
    const root = tree({});
    const run = await runCli(['validate', '--format', 'xml'], { cwd: root });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/xml/);
    expect(run.stderr).toMatch(/text, json, github/);
    expect(run.stdout).toBe('');
  });

  it('is 2 for an --env with no environment file, or one that is not a name', async () => {
    const root = tree({});
    const missing = await runCli(['validate', '--env', 'staging'], { cwd: root });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/environments\/staging\.yaml/);
    const path = await runCli(['validate', '--env', '../prod'], { cwd: root });
    expect(path.exitCode).toBe(2);
  });

  it('is 2 for a --root that does not exist', async () => {
    const root = tree({});
    const run = await runCli(['validate', '--root', 'no-such-dir'], { cwd: root });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/no-such-dir/);
  });
});

describe('which findings, in which order', () => {
  const manyFindings = {
    'environments/prod.yaml': `${prod.replace('region:', 'regoin:').replace('tier: production', 'tier: producton')}overrides:\n  services:\n    api:\n      scailng: {}\n`,
    'environments/onprem.yaml': onprem.replace('mode: self-hosted', 'mode: selfhosted').replace('license: LIC-0001', 'licence: LIC-0001'),
    'services/api/service.json': original('services/api/service.json').replace('"role": "api"', '"role": "apii"').replace('"min": 2', '"min": -1'),
    'releases/1.0.0.yaml': original('releases/1.0.0.yaml').replace('version: "1.0.0"', 'version: "1.0.1"'),
  };

  it('sorts findings by file, then line, then column', async () => {
    const root = tree(manyFindings);
    const findings = parseJsonLines((await runCli(['validate', '--format', 'json'], { cwd: root })).stdout);
    expect(new Set(findings.map((f) => f.file)).size).toBeGreaterThanOrEqual(4);
    expect(findings.length).toBeGreaterThanOrEqual(8);
    const sorted = [...findings].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column}`)).toEqual(sorted.map((f) => `${f.file}:${f.line}:${f.column}`));
    // The same order in every format.
    const text = (await runCli(['validate', '--format', 'text'], { cwd: root })).stderr.split('\n').slice(0, findings.length);
    expect(text.map((line) => line.split(': ')[0])).toEqual(findings.map((f) => `${f.file}:${f.line}:${f.column}`));
  });

  it('--env NAME limits environment findings to that environment', async () => {
    const root = tree(manyFindings);
    const all = parseJsonLines((await runCli(['validate', '--format', 'json'], { cwd: root })).stdout);
    expect(all.some((f) => f.file === 'environments/onprem.yaml')).toBe(true);
    const run = await runCli(['validate', '--format', 'json', '--env', 'prod'], { cwd: root });
    expect(run.exitCode).toBe(1);
    const only = parseJsonLines(run.stdout);
    expect(only.filter((f) => f.file.startsWith('environments/')).map((f) => f.file)).toEqual(expect.arrayContaining(['environments/prod.yaml']));
    expect(only.some((f) => f.file === 'environments/onprem.yaml')).toBe(false);
    // Shared inputs are still checked.
    expect(only.some((f) => f.file === 'services/api/service.json')).toBe(true);
  });

  it('--env NAME ignores a blocked target elsewhere, also for --fail-on-blocked', async () => {
    const root = tree({ 'environments/onprem.yaml': onprem.replace('license: LIC-0001', 'license: LIC-0042') });
    const run = await runCli(['validate', '--format', 'json', '--env', 'prod', '--fail-on-blocked'], { cwd: root });
    expect(run.stdout).toBe('');
    expect(run.exitCode).toBe(0);
  });
});
