import { describe, expect, it } from 'vitest';
import type { JsonFinding } from '../support/cli.js';
import { fixtureText, validateEdited } from './support.js';

/** The minimal tree without generated secrets, so exact-output assertions do not depend on the secrets rules. */

const prod = fixtureText('environments/prod.yaml');


const validate = (files: Record<string, string | null>) => validateEdited(files);

const inProd = (findings: JsonFinding[]) => findings.filter((f) => f.file === 'environments/prod.yaml');
const at = (f: JsonFinding) => ({ code: f.code, line: f.line, column: f.column });

/** Nine levels of nine-fold aliases: 9^9 (387 million) strings if expanded naively. */
function billionLaughs(): string {
  const lines = ['name: prod', 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level <= 8; level++) {
    lines.push(`l${level}: &l${level} [${Array.from({ length: 9 }, () => `*l${level - 1}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('hostile and unusual inputs', () => {
  it('refuses a YAML alias bomb with yaml-alias-limit instead of expanding it', async () => {
    const { exitCode, findings, stderr } = await validate({ 'environments/prod.yaml': billionLaughs() });
    expect(exitCode, stderr).toBe(1);
    expect(inProd(findings)).toHaveLength(1);
    const [finding] = inProd(findings);
    expect(finding).toMatchObject({ severity: 'error', code: 'yaml-alias-limit', line: 1, column: 1 });
    expect(finding!.message).toMatch(/aliases expand beyond the limit of 100/);
    expect(finding!.message).toMatch(/write the values out/);
  });

  it('refuses a 5 MiB environment file at line 1, column 1, without parsing it', async () => {
    // Unbalanced brackets: if this file were parsed, it would also give yaml-syntax findings.
    const huge = `name: prod\nregion: ${'['.repeat(5 * 1024 * 1024)}\n`;
    const { exitCode, findings } = await validate({ 'environments/prod.yaml': huge });
    expect(exitCode).toBe(1);
    expect(inProd(findings)).toHaveLength(1);
    expect(inProd(findings)[0]).toMatchObject({ severity: 'error', code: 'file-too-large', line: 1, column: 1 });
    expect(inProd(findings)[0]!.message).toContain(`file is ${Buffer.byteLength(huge)} bytes, over the limit of 1048576 bytes (1 MiB)`);
    // The other environment is still checked.
    expect(findings.filter((f) => f.file !== 'environments/prod.yaml' && f.severity === 'error')).toEqual([]);
  });

  it('shows at most 100 findings of one file, then one that counts the rest', async () => {
    const unknown = Array.from({ length: 150 }, (_, index) => `unknown${index}: 1`).join('\n');
    const { exitCode, findings } = await validate({ 'environments/prod.yaml': `${prod}${unknown}\n` });
    expect(exitCode).toBe(1);
    expect(inProd(findings)).toHaveLength(101);
    expect(inProd(findings).filter((f) => f.code === 'unknown-key')).toHaveLength(100);
    expect(inProd(findings).find((f) => f.code === 'too-many-findings')).toMatchObject({ severity: 'error', line: 1, column: 1, message: '50 more findings in this file are not shown; fix the ones above and run again' });
  });

  it('accepts a file of exactly the limit size as far as size goes', async () => {
    const padded = prod + '#'.repeat(1024 * 1024 - Buffer.byteLength(prod) - 1) + '\n';
    expect(Buffer.byteLength(padded)).toBe(1024 * 1024);
    const { exitCode, findings } = await validate({ 'environments/prod.yaml': padded });
    expect(findings).toEqual([]);
    expect(exitCode).toBe(0);
  });

  describe('CRLF line endings', () => {
    const crlf = (text: string) => text.replace(/\n/g, '\r\n');

    it('reports schema findings at the same lines and columns as with LF', async () => {
      const edited = `${prod.replace('region:', 'regoin:').replace('runtime: kubernetes', 'runtime: kubernetis')}overrides:\n  services:\n    api:\n      scailng:\n        min: 3\n`;
      const { findings } = await validate({ 'environments/prod.yaml': crlf(edited) });
      expect(inProd(findings).map(at)).toEqual([
        { code: 'invalid-value', line: 6, column: 10 },
        { code: 'unknown-key', line: 8, column: 1 },
        { code: 'unknown-key', line: 16, column: 7 },
      ]);
      expect(inProd(findings)[1]!.message).toMatch(/"regoin".*did you mean "region"/);
    });

    it('reports rule findings at the right position', async () => {
      const edited = `${prod}overrides:\n  services:\n    api:\n      env:\n        APP_DEBUG: "true"\n`;
      const { findings } = await validate({ 'environments/prod.yaml': crlf(edited) });
      expect(inProd(findings).map(at)).toEqual([{ code: 'debug-in-production', line: 17, column: 20 }]);
    });

    it('reports duplicate keys and syntax errors at the right position, naming the key', async () => {
      const duplicate = await validate({ 'environments/prod.yaml': crlf(`${prod}tier: staging\n`) });
      expect(inProd(duplicate.findings).map(at)).toEqual([{ code: 'duplicate-key', line: 13, column: 1 }]);
      expect(inProd(duplicate.findings)[0]!.message).toMatch(/key "tier" appears twice/);

      const syntax = await validate({ 'environments/prod.yaml': crlf(prod.replace('region: eu-west-1', 'region: [eu-west-1')) });
      expect(inProd(syntax.findings).map(at)).toEqual([{ code: 'yaml-syntax', line: 9, column: 1 }]);
    });
  });

  it('reports tab indentation as yaml-syntax, not a crash', async () => {
    const { exitCode, findings, stderr } = await validate({ 'environments/prod.yaml': prod.replace('  schedule:', '\tschedule:') });
    expect(exitCode).toBe(1);
    expect(stderr).not.toMatch(/bug in Slipway/);
    expect(inProd(findings)[0]).toMatchObject({ code: 'yaml-syntax', line: 11, column: 1 });
    expect(inProd(findings)[0]!.message).toMatch(/[Tt]abs/);
    expect(inProd(findings).every((f) => f.code === 'yaml-syntax')).toBe(true);
  });

  it.each([
    ['an empty file', ''],
    ['a file of only comments', '# yaml-language-server: $schema=../schemas/environment.schema.json\n'],
  ])('reports %s as one clear finding at line 1, column 1', async (_what, text) => {
    const { exitCode, findings, stderr } = await validate({ 'environments/prod.yaml': text });
    expect(exitCode).toBe(1);
    expect(stderr).not.toMatch(/bug in Slipway/);
    expect(inProd(findings)).toHaveLength(1);
    expect(inProd(findings)[0]).toMatchObject({ severity: 'error', code: 'invalid-type', line: 1, column: 1 });
    expect(inProd(findings)[0]!.message).toMatch(/the file is empty/);
  });

  it('reports a YAML list instead of a mapping as invalid-type', async () => {
    const { exitCode, findings } = await validate({ 'environments/prod.yaml': '- name: prod\n- mode: saas\n' });
    expect(exitCode).toBe(1);
    expect(inProd(findings).map(at)).toEqual([{ code: 'invalid-type', line: 1, column: 1 }]);
    expect(inProd(findings)[0]!.message).toMatch(/top level must be object/);
  });

  it('reports a JSON array as service.json as invalid-type', async () => {
    const { findings } = await validate({ 'services/worker/service.json': '[]\n' });
    expect(findings.filter((f) => f.file === 'services/worker/service.json').map(at)).toEqual([{ code: 'invalid-type', line: 1, column: 1 }]);
  });

  it('reports a file with two YAML documents as yaml-syntax at the second one', async () => {
    const { findings } = await validate({ 'environments/prod.yaml': `${prod}---\nname: prod\n` });
    expect(inProd(findings).map(at)).toEqual([{ code: 'yaml-syntax', line: 13, column: 1 }]);
  });

  it('positions are unaffected by a UTF-8 byte order mark', async () => {
    const { findings } = await validate({ 'environments/prod.yaml': `\ufeff${prod.replace('region:', 'regoin:')}` });
    expect(inProd(findings).map(at)).toEqual([{ code: 'unknown-key', line: 8, column: 1 }]);
  });
});
