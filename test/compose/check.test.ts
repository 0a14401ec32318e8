import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeGenerator } from '../../generators/compose/index.js';
import { BugError } from '../../src/core/errors.js';
import type { ResolvedEnvironment } from '../../src/model/index.js';
import { exampleTargets, standalone } from '../support/example.js';
import { fixturesDir, useTrees } from '../support/tree.js';

/** What stops a Compose target from rendering is a finding at the input that causes it, not an exception. */
const tree = useTrees();
const fixture = (path: string) => readFileSync(join(fixturesDir, 'minimal', path), 'utf8');

/** The minimal fixture's self-hosted Compose target, with edits. */
function onprem(edits: Record<string, string>): ResolvedEnvironment {
  const target = exampleTargets(tree(edits)).find((candidate) => candidate.name === 'onprem')!;
  expect(target.status).toBe('ready');
  return target.model!;
}

const location = ({ code, file, line, column }: { code: string; file: string; line: number; column: number }) => ({ code, file, line, column });

describe('the compose check', () => {
  it('finds nothing to refuse in the unedited fixture', () => {
    expect(composeGenerator.check!(onprem({}))).toEqual([]);
  });

  it('unsupported-version: an embedded store version without a pinned image, at the version that asked for it', () => {
    const model = onprem({ 'services/api/service.json': fixture('services/api/service.json').replace('"version": "16"', '"version": "11"') });
    const findings = composeGenerator.check!(model);
    expect(findings.map(location)).toEqual([{ code: 'unsupported-version', file: 'services/api/service.json', line: 10, column: 72 }]);
    expect(findings[0]!.message).toMatch(/postgres 11 embedded on Compose; supported: .*needed by "onprem".*set resources\.database\.managed: true/);
    expect(() => composeGenerator.generate(model, standalone)).toThrow(BugError);
  });

  it('unsupported-version: one finding per file and problem, however many resources share it', () => {
    const both = '"resources": [{ "name": "database", "type": "postgres", "version": "11" }, { "name": "reports", "type": "postgres", "version": "11" }]';
    const api = fixture('services/api/service.json').replace(/"resources": \[.*\]/, both);
    const findings = composeGenerator.check!(onprem({ 'services/api/service.json': api }));
    expect(findings.map(location)).toEqual([{ code: 'unsupported-version', file: 'services/api/service.json', line: 10, column: 72 }]);
  });

  it('secrets-not-dotenv: a secrets file with a name no env file can hold, at the file', () => {
    const secrets = `bad-name: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\n${fixture('secrets/onprem.sops.yaml')}`;
    const model = onprem({ 'secrets/onprem.sops.yaml': secrets });
    const findings = composeGenerator.check!(model);
    expect(findings.map(location)).toEqual([{ code: 'secrets-not-dotenv', file: 'secrets/onprem.sops.yaml', line: 1, column: 1 }]);
    expect(findings[0]!.message).toMatch(/"bad-name" cannot be a dotenv variable name; recreate it with `slipway secrets sync --env onprem`/);
    expect(() => composeGenerator.generate(model, standalone)).toThrow(BugError);
  });
});
