import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { copyExampleSource, editFile, fixedEpoch, useScratchFolders } from '../support/tree.js';

/**
 * `validate --cache DIR` validates again only the environments whose inputs changed since the
 * verdicts in DIR were reached; whatever changed, every finding, its order and the exit status must
 * be exactly those of a validation without a cache.
 */

const scratchFolder = useScratchFolders('slipway-verdict-cache-');

/** A copy of the bundled example: every runtime and provider, blocked and ready targets, warnings. */
function exampleTree(): string {
  return copyExampleSource(scratchFolder());
}

interface Validation {
  exitCode: number;
  /** The findings as text (stderr, without the summary line's note on the cache) and as json (stdout). */
  text: string;
  json: string;
  /** How many environments the first of the two runs took from the cache, as its summary line says. */
  fromCache: number;
}

const cacheNote = /; (\d+) unchanged environment\(s\) taken from the cache$/m;

/** Validates twice, in text then json; with a cache, the json run finds it as the text run left it. */
async function validate(root: string, args: string[], epoch = fixedEpoch): Promise<Validation> {
  const env = { SOURCE_DATE_EPOCH: epoch };
  const text = await runCli(['validate', '--root', root, '--format', 'text', ...args], { cwd: root, env });
  const json = await runCli(['validate', '--root', root, '--format', 'json', ...args], { cwd: root, env });
  expect(text.exitCode).toBe(json.exitCode);
  return { exitCode: json.exitCode, text: text.stderr.replace(cacheNote, ''), json: json.stdout, fromCache: Number(cacheNote.exec(text.stderr)?.[1] ?? 0) };
}

/** Validates with the cache, then without, and expects the same findings and exit status. */
async function expectSameAsWithout(root: string, cache: string, extra: string[] = [], epoch = fixedEpoch): Promise<Validation> {
  const cached = await validate(root, ['--cache', cache, ...extra], epoch);
  const plain = await validate(root, extra, epoch);
  expect(plain.fromCache).toBe(0);
  expect(cached.text).toBe(plain.text);
  expect(cached.json).toBe(plain.json);
  expect(cached.exitCode).toBe(plain.exitCode);
  return cached;
}

/** The bundled example's environments, none of them invalid: each has a verdict to keep. */
const environmentCount = () => 16;

describe('validate --cache', () => {
  it('takes every unchanged environment from the cache, and validates again exactly those whose files changed', async () => {
    const root = exampleTree();
    const cache = join(root, '.cache');
    const first = await expectSameAsWithout(root, cache);
    expect(first.fromCache).toBe(0);
    expect(existsSync(join(cache, 'verdicts.json'))).toBe(true);
    expect(first.json).toContain('"code":"blocked"');
    expect((await expectSameAsWithout(root, cache)).fromCache).toBe(environmentCount());

    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^domain: .*$/m, 'domain: staging.example.net'));
    expect((await expectSameAsWithout(root, cache)).fromCache).toBe(environmentCount() - 1);

    editFile(root, 'secrets/staging.sops.yaml', (text) => `${text}# touched\n`);
    expect((await validate(root, ['--cache', cache])).fromCache).toBe(environmentCount() - 1);
  });

  it('takes unchanged inputs by their status, and still sees a mistake made in place with the size and time kept', async () => {
    const root = exampleTree();
    const cache = join(root, '.cache');
    // Inputs whose times are not yet two seconds old when read are not taken by status next time.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expectSameAsWithout(root, cache);
    const recorded = JSON.parse(readFileSync(join(cache, 'verdicts.json'), 'utf8')) as { inputs: Record<string, [string, string]> };
    expect(Object.keys(recorded.inputs)).toEqual(expect.arrayContaining(['environments/staging.yaml', 'services/api/service.json']));
    const path = join(root, 'environments', 'staging.yaml');
    const before = statSync(path);
    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^region:/m, 'regoin:'));
    utimesSync(path, before.atime, before.mtime);
    expect(statSync(path).size).toBe(before.size);
    const broken = await expectSameAsWithout(root, cache);
    expect(broken.exitCode).toBe(1);
    expect(broken.json).toContain('"code":"unknown-key"');
    expect(broken.fromCache).toBe(environmentCount() - 1);
  });

  it('reports a new mistake, and its fix, as a validation without a cache does', async () => {
    const root = exampleTree();
    const cache = join(root, '.cache');
    await expectSameAsWithout(root, cache);
    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^region:/m, 'regoin:'));
    const broken = await expectSameAsWithout(root, cache);
    expect(broken.exitCode).toBe(1);
    expect(broken.json).toContain('"code":"unknown-key"');
    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^regoin:/m, 'region:'));
    const fixed = await expectSameAsWithout(root, cache);
    expect(fixed.exitCode).toBe(0);
  });

  it('validates everything again when a shared input changes, when the clock moves, or when the cache is damaged', async () => {
    const root = exampleTree();
    const cache = join(root, '.cache');
    await expectSameAsWithout(root, cache);

    editFile(root, 'services/api/service.json', (text) => text.replace('"LOG_CHANNEL": "stderr"', '"LOG_CHANNEL": "stdout"'));
    const json = await runCli(['validate', '--root', root, '--cache', cache], { cwd: root, env: { SOURCE_DATE_EPOCH: fixedEpoch } });
    expect(json.stderr).not.toContain('taken from the cache');
    await expectSameAsWithout(root, cache);

    // A year on, the production attestations are stale: those verdicts change, the rest hold.
    const later = String(Number(fixedEpoch) + 365 * 86400);
    const stale = await expectSameAsWithout(root, cache, [], later);
    expect(stale.json).toContain('attestation');

    writeFileSync(join(cache, 'verdicts.json'), '{"format": "slipway-verdict-cache/1", "shared": ');
    await expectSameAsWithout(root, cache);
    writeFileSync(join(cache, 'verdicts.json'), JSON.stringify({ format: 'another/1', environments: {} }));
    await expectSameAsWithout(root, cache);
  });

  it('with --env, validates those environments as without a cache, and keeps the others verdicts', async () => {
    const root = exampleTree();
    const cache = join(root, '.cache');
    await expectSameAsWithout(root, cache, ['--env', 'staging', '--env', 'eu-prod']);
    await expectSameAsWithout(root, cache);
    editFile(root, 'environments/staging.yaml', (text) => text.replace(/^domain: .*$/m, 'domain: staging.example.net'));
    const one = await expectSameAsWithout(root, cache, ['--env', 'staging']);
    expect(one.fromCache).toBe(0);
    expect((await validate(root, ['--cache', cache])).fromCache).toBe(environmentCount());
  });

  it('looks at every environment again while a finding sits at a file no single environment owns', async () => {
    const root = exampleTree();
    const cache = join(root, '.cache');
    // A service folder without service.json: a warning at services/orphan, which no environment owns.
    mkdirSync(join(root, 'services', 'orphan'));
    const first = await expectSameAsWithout(root, cache);
    expect(first.json).toContain('"code":"missing-service-file","file":"services/orphan"');
    expect((await expectSameAsWithout(root, cache)).fromCache).toBe(0);
    rmSync(join(root, 'services', 'orphan'), { recursive: true });
    await expectSameAsWithout(root, cache);
    expect((await validate(root, ['--cache', cache])).fromCache).toBe(environmentCount());
  });
});
