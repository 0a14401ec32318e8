import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonLines, type JsonFinding } from '../support/cli.js';
import { repositoryRoot } from '../support/tree.js';
import { editedTree, fixtureText } from './support.js';

/**
 * Source trees an attacker or an accident makes: links out of the tree and to devices, FIFOs,
 * folders where files belong and files where folders belong, bytes that are not UTF-8, control
 * characters, tags, and files built to be slow to parse. Each must end quickly as located findings
 * (exit 1), never a hang, a stack trace or a silent skip. The real CLI runs in a child process with
 * a time bound, so a hang fails the test instead of stalling the suite.
 */

const cli = join(repositoryRoot, 'bin', 'slipway.js');
const prod = fixtureText('environments/prod.yaml');
const outside = mkdtempSync(join(tmpdir(), 'slipway-outside-'));
writeFileSync(join(outside, 'prod.yaml'), prod);
afterAll(() => rmSync(outside, { recursive: true, force: true }));

function run(root: string, command: 'validate' | 'build' = 'validate'): { status: number | null; findings: JsonFinding[]; stderr: string; milliseconds: number } {
  const started = Date.now();
  const out = join(root, '.out');
  const args = command === 'validate' ? ['validate', '--format', 'json'] : ['build', '--format', 'json', '--no-sign', '--out', out];
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 10_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, findings: parseJsonLines(result.stdout), stderr: result.stderr, milliseconds: Date.now() - started };
}

/** A tree edited by `edit` after it was copied: links, FIFOs and folders that plain file edits cannot make. */
function treeWith(edit: (root: string) => void, files: Record<string, string | null> = {}): string {
  const root = editedTree(files);
  edit(root);
  return root;
}

const located = (findings: JsonFinding[], file: string) => findings.filter((finding) => finding.file === file && finding.severity === 'error');

function expectRefused(result: ReturnType<typeof run>, file: string, code: string): void {
  expect(result.status, result.stderr).toBe(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(located(result.findings, file).map((finding) => finding.code)).toContain(code);
}

describe('the source tree reader refuses what is not a regular file of the tree, at once', () => {
  it('an environment file that links to /dev/zero or /dev/urandom: unsafe-path, no hang', () => {
    for (const device of ['/dev/zero', '/dev/urandom']) {
      const root = treeWith((tree) => {
        unlinkSync(join(tree, 'environments', 'prod.yaml'));
        symlinkSync(device, join(tree, 'environments', 'prod.yaml'));
      });
      const result = run(root);
      expectRefused(result, 'environments/prod.yaml', 'unsafe-path');
      expect(result.milliseconds).toBeLessThan(10_000);
    }
  });

  it('an environment file that is a FIFO nobody writes to: unsafe-path, no hang', () => {
    const root = treeWith((tree) => {
      unlinkSync(join(tree, 'environments', 'prod.yaml'));
      expect(spawnSync('mkfifo', [join(tree, 'environments', 'prod.yaml')]).status).toBe(0);
    });
    expectRefused(run(root), 'environments/prod.yaml', 'unsafe-path');
  });

  it('an environment file linked from outside the tree: unsafe-path, and build fails instead of leaving it out', () => {
    const root = treeWith((tree) => {
      unlinkSync(join(tree, 'environments', 'prod.yaml'));
      symlinkSync(join(outside, 'prod.yaml'), join(tree, 'environments', 'prod.yaml'));
    });
    const validated = run(root);
    expectRefused(validated, 'environments/prod.yaml', 'unsafe-path');
    expect(located(validated.findings, 'environments/prod.yaml')[0]!.message).toMatch(/outside the source tree.*copy the file in/);
    // A build that skipped it would publish a tree without prod, and publish would remove prod.
    expectRefused(run(root, 'build'), 'environments/prod.yaml', 'unsafe-path');
  });

  it('an environment file linked to a file inside the tree is read as that file', () => {
    const root = treeWith((tree) => {
      mkdirSync(join(tree, 'shared'));
      writeFileSync(join(tree, 'shared', 'prod.yaml'), prod);
      unlinkSync(join(tree, 'environments', 'prod.yaml'));
      symlinkSync(join('..', 'shared', 'prod.yaml'), join(tree, 'environments', 'prod.yaml'));
    });
    const result = run(root);
    expect(result.status, result.stderr + JSON.stringify(result.findings)).toBe(0);
  });

  it('a dangling link: unsafe-path, not an absent file', () => {
    const root = treeWith((tree) => {
      unlinkSync(join(tree, 'environments', 'prod.yaml'));
      symlinkSync(join(tree, 'nowhere.yaml'), join(tree, 'environments', 'prod.yaml'));
    });
    expectRefused(run(root), 'environments/prod.yaml', 'unsafe-path');
  });

  it('folders where files belong: slipway.yaml, an environment, a secrets file, a service.json', () => {
    const cases: Array<[string, string]> = [
      ['slipway.yaml', 'not-a-file'],
      ['environments/staging.yaml', 'not-a-file'],
      ['secrets/prod.sops.yaml', 'not-a-file'],
      ['services/api/service.json', 'not-a-file'],
    ];
    for (const [path, code] of cases) {
      const root = treeWith((tree) => {
        rmSync(join(tree, path), { force: true });
        mkdirSync(join(tree, path), { recursive: true });
      });
      expectRefused(run(root), path, code);
    }
  });

  it('files where folders belong: environments, services, keys', () => {
    for (const folder of ['environments', 'services', 'keys']) {
      const root = treeWith((tree) => {
        rmSync(join(tree, folder), { recursive: true, force: true });
        writeFileSync(join(tree, folder), 'not a folder\n');
      });
      expectRefused(run(root), folder, 'not-a-folder');
    }
  });

  it('a folder in keys/ and a service folder without service.json are warnings that name them', () => {
    const root = treeWith((tree) => {
      mkdirSync(join(tree, 'keys', 'old'), { recursive: true });
      mkdirSync(join(tree, 'services', 'draft'), { recursive: true });
    });
    const result = run(root);
    expect(result.findings.filter((finding) => finding.severity === 'warning').map((finding) => [finding.file, finding.code])).toEqual(
      expect.arrayContaining([
        ['keys/old', 'unexpected-entry'],
        ['services/draft', 'missing-service-file'],
      ]),
    );
  });
});

describe('bytes and characters', () => {
  it('invalid UTF-8 is a finding at its line and column, not a silent U+FFFD', () => {
    const root = treeWith((tree) => writeFileSync(join(tree, 'environments', 'prod.yaml'), Buffer.concat([Buffer.from(`${prod}domain: caf`), Buffer.from([0xe9]), Buffer.from('.example.com\n')])));
    const result = run(root);
    expectRefused(result, 'environments/prod.yaml', 'invalid-utf8');
    const line = prod.split('\n').length;
    expect(located(result.findings, 'environments/prod.yaml')[0]).toMatchObject({ line, column: 'domain: caf'.length + 1 });
  });

  it('an escape sequence or a right-to-left override in a value is a control-character finding at the value', () => {
    for (const character of ['\\e[2J', '\\u202E', '\\u0007']) {
      const root = treeWith(() => undefined, { 'environments/prod.yaml': `${prod}domain: "shop${character}.example.com"\n` });
      const result = run(root);
      expectRefused(result, 'environments/prod.yaml', 'control-character');
      expect(located(result.findings, 'environments/prod.yaml')[0]).toMatchObject({ line: prod.split('\n').length, column: 9 });
    }
  });

  it('a YAML tag Slipway does not know is a finding, not a silently changed value', () => {
    const root = treeWith(() => undefined, { 'environments/prod.yaml': `${prod}domain: !shell shop.example.com\n` });
    expectRefused(run(root), 'environments/prod.yaml', 'yaml-syntax');
  });

  it('a BOM and CRLF line endings are read as plain UTF-8 text', () => {
    const root = treeWith(() => undefined, { 'environments/prod.yaml': `\uFEFF${prod.replace(/\n/g, '\r\n')}` });
    const result = run(root);
    expect(result.status, JSON.stringify(result.findings)).toBe(0);
  });
});

describe('files built to be slow', () => {
  it('50,000 keys in one environment: one too-many-entries finding, quickly', () => {
    const keys = Array.from({ length: 50_000 }, (_, index) => `k${index}: 1`).join('\n');
    const root = treeWith(() => undefined, { 'environments/prod.yaml': `${prod}${keys}\n` });
    const result = run(root);
    expectRefused(result, 'environments/prod.yaml', 'too-many-entries');
    expect(located(result.findings, 'environments/prod.yaml')).toHaveLength(1);
    expect(result.milliseconds).toBeLessThan(8_000);
  });

  it('a policy grows with the fleet: attestation results for 5,000 environments are read, not refused', () => {
    const results = Array.from({ length: 5_000 }, (_, index) => `  env-${index}: { status: passed, at: "2026-11-10T00:00:00Z" }`).join('\n');
    const root = treeWith(() => undefined, { 'policies/attestation-policy.yaml': `requiredFor: {tiers: [production]}\nmaxAgeDays: 30\nresults:\n${results}\n` });
    const result = run(root);
    expect(result.findings.filter((finding) => finding.code === 'too-many-entries'), result.stderr).toEqual([]);
    expect(result.milliseconds).toBeLessThan(8_000);
  });

  it('5,000 repeated keys: each duplicate found at its place, in one pass', () => {
    const keys = Array.from({ length: 5_000 }, () => 'region: eu-west-1').join('\n');
    const root = treeWith(() => undefined, { 'environments/prod.yaml': `${prod}${keys}\n` });
    const result = run(root);
    expectRefused(result, 'environments/prod.yaml', 'duplicate-key');
    expect(result.milliseconds).toBeLessThan(8_000);
  });
});

describe('files and folders named on the command line', () => {
  const cliRun = (root: string, args: string[], env: Record<string, string> = {}) => {
    const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 10_000, env: { ...process.env, NO_COLOR: '1', ...env } });
    return { status: result.status, stderr: result.stderr };
  };

  it('a signing key or an age identity that is a device, a folder or missing: a sentence and exit 1, no hang, no stack', () => {
    const root = editedTree({});
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['build', '--signing-key', '/dev/zero', '--out', 'o'], {}, /the signing key \/dev\/zero is a device; only regular files are read/],
      [['build', '--signing-key', 'environments', '--out', 'o'], {}, /the signing key environments is a folder, not a file/],
      [['build', '--signing-key', 'nope.pem', '--out', 'o'], {}, /the signing key nope\.pem does not exist/],
      [['secrets', 'sync'], { SOPS_AGE_KEY_FILE: '/dev/urandom' }, /SOPS_AGE_KEY_FILE \/dev\/urandom is a device/],
    ];
    for (const [args, env, message] of cases) {
      const result = cliRun(root, args, env);
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('--out where nothing can be written: a sentence naming the place and the reason, exit 1', () => {
    const root = editedTree({});
    writeFileSync(join(root, 'afile'), 'x\n');
    for (const [out, reason] of [
      ['afile/output', /cannot write the output to .*afile\/output: a part of the path is a file, not a folder/],
      ['/proc/slipway-output', /cannot write the output to \/proc\/slipway-output: /],
    ] as const) {
      const result = cliRun(root, ['build', '--no-sign', '--out', out]);
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toMatch(reason);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('--root that is a file: a usage error (exit 2), not findings about every folder', () => {
    const root = editedTree({});
    writeFileSync(join(root, 'afile'), 'x\n');
    const result = cliRun(root, ['validate', '--root', 'afile']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--root afile: a file, not a folder/);
  });
});
