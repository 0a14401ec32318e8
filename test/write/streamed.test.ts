import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeOutputTreeAsRendered } from '../../src/write/index.js';

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
