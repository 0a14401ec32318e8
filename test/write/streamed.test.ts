import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeOutputTreeAsRendered } from '../../src/write/index.js';
import { writePartialTree, writePartialTreeAsRendered, type PartialUpdate } from '../../src/write/partial.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const work: string[] = [];
afterEach(() => work.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A parent folder holding an earlier output (`out/index.json`, one environment) and nothing else. */
function earlierOutput(): { parent: string; out: string } {
  const parent = mkdtempSync(join(tmpdir(), 'slipway-streamed-'));
  work.push(parent);
  const out = join(parent, 'out');
  mkdirSync(join(out, 'environments', 'old'), { recursive: true });
  writeFileSync(join(out, 'index.json'), '{"old": true}\n');
  writeFileSync(join(out, 'environments', 'old', 'release.json'), 'old');
  return { parent, out };
}

describe('the writer staging folders while they render', () => {
  it('swaps in every staged folder and the root files whole', () => {
    const { parent, out } = earlierOutput();
    const written = writeOutputTreeAsRendered(out, (stage) => {
      stage('b', [{ path: 'k8s/x.yaml', bytes: bytes('b') }]);
      stage('a', [{ path: 'release.json', bytes: bytes('a') }]);
      return { files: [{ path: 'index.json', bytes: bytes('{}\n') }], record: { path: join(parent, '.out.build-record.json'), bytes: bytes('record') } };
    });
    expect(written).toBe(true);
    expect(readFileSync(join(out, 'environments', 'b', 'k8s', 'x.yaml'), 'utf8')).toBe('b');
    expect(readFileSync(join(out, 'index.json'), 'utf8')).toBe('{}\n');
    expect(existsSync(join(out, 'environments', 'old'))).toBe(false);
    expect(readdirSync(parent).sort()).toEqual(['.out.build-record.json', 'out']);
  });

  it('touches nothing, not even the lock, when the build fails before any folder is rendered', () => {
    const { parent, out } = earlierOutput();
    // A temporary a killed build left: repairing it is a write, which a failed validation must not do.
    mkdirSync(join(parent, '.out.staging-999999999'));
    expect(writeOutputTreeAsRendered(out, () => undefined)).toBe(false);
    expect(readdirSync(parent).sort()).toEqual(['.out.staging-999999999', 'out']);
    expect(readFileSync(join(out, 'index.json'), 'utf8')).toBe('{"old": true}\n');
  });

  it('keeps the earlier output and leaves no staging or lock when rendering fails after folders were staged', () => {
    const { parent, out } = earlierOutput();
    const failure = new Error('a generator failed');
    expect(() =>
      writeOutputTreeAsRendered(out, (stage) => {
        stage('a', [{ path: 'release.json', bytes: bytes('a') }]);
        throw failure;
      }),
    ).toThrow(failure);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readFileSync(join(out, 'environments', 'old', 'release.json'), 'utf8')).toBe('old');
  });

  it('leaves the earlier output when the build fails after staging (its findings come later)', () => {
    const { parent, out } = earlierOutput();
    expect(writeOutputTreeAsRendered(out, (stage) => (stage('a', [{ path: 'release.json', bytes: bytes('a') }]), undefined))).toBe(false);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readFileSync(join(out, 'index.json'), 'utf8')).toBe('{"old": true}\n');
  });
});

describe('the writer staging a share while it renders', () => {
  const share = (name: string, text: string): PartialUpdate => ({
    rendered: [name],
    folders: new Map([[name, [{ path: 'release.json', bytes: bytes(text) }]]]),
    manifestDigests: new Map([[name, createHash('sha256').update(text).digest('hex')]]),
    environments: new Set(['a', 'b']),
    // The root lists every manifest it is given, as index.json does.
    projectFiles: (digests) => [{ path: 'index.json', bytes: bytes(`${JSON.stringify([...digests.keys()].sort())}\n`) }],
  });

  it('into a folder with no output yet: swaps in the staged share with its root files', () => {
    const parent = mkdtempSync(join(tmpdir(), 'slipway-streamed-share-'));
    work.push(parent);
    const out = join(parent, 'out');
    const written = writePartialTreeAsRendered(out, (stage) => {
      stage('a', [{ path: 'release.json', bytes: bytes('a') }]);
      // Staged beside the output, without the lock, while it renders.
      expect(readdirSync(parent)).toEqual([`.out.staging-${process.pid}`]);
      return share('a', 'a');
    });
    expect(written).toBe(true);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readFileSync(join(out, 'environments', 'a', 'release.json'), 'utf8')).toBe('a');
    expect(readFileSync(join(out, 'index.json'), 'utf8')).toBe('["a"]\n');
  });

  it('goes in place of its folders when another share made the output while it rendered, keeping that share', () => {
    const parent = mkdtempSync(join(tmpdir(), 'slipway-streamed-share-'));
    work.push(parent);
    const out = join(parent, 'out');
    writePartialTreeAsRendered(out, (stage) => {
      stage('a', [{ path: 'release.json', bytes: bytes('a') }]);
      // The other share finishes first.
      writePartialTree(out, share('b', 'b'));
      return share('a', 'a');
    });
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readdirSync(join(out, 'environments')).sort()).toEqual(['a', 'b']);
    expect(readFileSync(join(out, 'environments', 'b', 'release.json'), 'utf8')).toBe('b');
    expect(readFileSync(join(out, 'index.json'), 'utf8')).toBe('["a","b"]\n');
  });

  it('leaves nothing staged when rendering fails', () => {
    const parent = mkdtempSync(join(tmpdir(), 'slipway-streamed-share-'));
    work.push(parent);
    const failure = new Error('a generator failed');
    expect(() =>
      writePartialTreeAsRendered(join(parent, 'out'), (stage) => {
        stage('a', [{ path: 'release.json', bytes: bytes('a') }]);
        throw failure;
      }),
    ).toThrow(failure);
    expect(readdirSync(parent)).toEqual([]);
  });
});
