import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { generateSigningKey, parsePrivateKeyPem, publicKeyOf, publicKeyToPem } from '../../src/core/signing/keys.js';
import { chartListing, chartPin } from '../../src/sign/chart-pin.js';
import { releaseIndexFiles } from '../../src/sign/release-index.js';
import { runCli } from '../support/cli.js';
import { opensslVerifiesFile } from '../support/openssl.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';
import { useTrees } from '../support/tree.js';
import { execFileSync } from 'node:child_process';

/**
 * Known answers for what the signatures cover beyond an environment's folder: the root manifest
 * (release-index.json) and the chart pin, written out by hand and checked with stock tools
 * (sha256sum, OpenSSL), never with Slipway's own functions.
 */

const describeTools = describeWithTool('openssl and sha256sum', toolPresent('openssl', ['version']) && toolPresent('sha256sum'));
const newTree = useTrees();
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const sha256sum = (input: string | Uint8Array) => runTool('sha256sum', [], { input }).stdout.split(' ')[0]!;

const ROOT_FILES = [
  { path: 'index.json', bytes: utf8('{}\n') },
  { path: 'README.md', bytes: utf8('# r\n') },
];
const ENVIRONMENTS = [
  { name: 'prod', status: 'ready' as const, manifestSha256: 'a'.repeat(64) },
  { name: 'b', status: 'blocked' as const, manifestSha256: null },
];
const FIRST =
  '{"apiVersion":"slipway.dev/v1","environments":[{"manifestSha256":null,"name":"b","status":"blocked"},' +
  `{"manifestSha256":"${'a'.repeat(64)}","name":"prod","status":"ready"}],` +
  '"files":[{"path":"README.md","sha256":"054df7e3c2b056666d6db37722202825c4cf6bd477f1198ee7bf1b85136db54c","size":4},' +
  '{"path":"index.json","sha256":"ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356","size":3}],' +
  '"kind":"ReleaseIndex","previous":null,"sequence":1}';

describeTools('known answers', () => {
  it('release-index.json: canonical bytes written out, signed as OpenSSL signs it, verified by OpenSSL', () => {
    const root = newTree();
    const key = generateSigningKey();
    const seed = parsePrivateKeyPem(key.privatePem);
    const files = releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, { signingSeed: seed });
    expect(files.map((file) => file.path)).toEqual(['release-index.json', 'release-index.json.sig']);
    expect(text(files[0]!.bytes)).toBe(FIRST);
    writeFileSync(join(root, 'release-index.json'), files[0]!.bytes);
    writeFileSync(join(root, 'release-index.json.sig'), files[1]!.bytes);
    writeFileSync(join(root, 'key.pem'), key.privatePem);
    writeFileSync(join(root, 'key.pub.pem'), publicKeyToPem(publicKeyOf(seed)));
    expect(opensslVerifiesFile(join(root, 'release-index.json'), join(root, 'key.pub.pem'))).toBe(true);
    // Ed25519 is deterministic: OpenSSL's own signature of the same bytes is the same file.
    execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', join(root, 'key.pem'), '-rawin', '-in', join(root, 'release-index.json'), '-out', join(root, 'sig.bin')]);
    expect(text(files[1]!.bytes)).toBe(`${readFileSync(join(root, 'sig.bin')).toString('base64')}\n`);
  });

  it('release-index.json chains: the same content keeps the previous bytes, other content is sequence 2 naming its sha256', () => {
    const previous = { manifest: utf8(FIRST) };
    expect(text(releaseIndexFiles(ROOT_FILES, ENVIRONMENTS, { previous })[0]!.bytes)).toBe(FIRST);
    const changed = [{ path: 'index.json', bytes: utf8('{"x":1}\n') }, ROOT_FILES[1]!];
    const second = text(releaseIndexFiles(changed, ENVIRONMENTS, { previous })[0]!.bytes);
    expect(second).toBe(
      FIRST.replace('"previous":null,"sequence":1', `"previous":"${sha256sum(FIRST)}","sequence":2`)
        .replace('ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356', sha256sum('{"x":1}\n'))
        .replace('"size":3}', '"size":8}'),
    );
  });

  it('the chart pin is the sha256 of the sha256sum listing, as the README\u2019s one-liner computes it', () => {
    const root = newTree();
    const chart = join(root, 'charts', 'app');
    const files = new Map([
      ['templates/workload.yaml', utf8('kind: Deployment\n')],
      ['Chart.yaml', utf8('name: app\nversion: 0.1.0\n')],
      ['values.yaml', utf8('{}\n')],
    ]);
    for (const [path, bytes] of files) {
      mkdirSync(join(chart, path, '..'), { recursive: true });
      writeFileSync(join(chart, path), bytes);
    }
    const listing = `${sha256sum('name: app\nversion: 0.1.0\n')}  Chart.yaml\n${sha256sum('kind: Deployment\n')}  templates/workload.yaml\n${sha256sum('{}\n')}  values.yaml\n`;
    expect(chartListing(files)).toBe(listing);
    const pin = chartPin('app', '0.1.0', files);
    expect(pin).toEqual({ name: 'app', version: '0.1.0', sha256: sha256sum(listing) });
    const oneLiner = execFileSync('bash', ['-c', "(cd charts/app && find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum) | sha256sum"], { cwd: root }).toString();
    expect(oneLiner.split(' ')[0]).toBe(pin.sha256);
  });

  it('a changed chart changes the manifest of every Kubernetes environment and leaves a Compose one byte for byte', async () => {
    const root = newTree();
    const build = async (out: string, previous?: string) => {
      const run = await runCli(['build', '--no-sign', '--out', out, ...(previous ? ['--previous', previous] : [])], { cwd: root });
      expect(run.exitCode, run.stderr).toBe(0);
      const read = (path: string) => readFileSync(join(root, out, path));
      return { prod: read('environments/prod/release.json'), onprem: read('environments/onprem/release.json'), index: read('release-index.json') };
    };
    const first = await build('first');
    expect(JSON.parse(text(first.prod)).chart).toEqual({ name: 'app', version: '0.1.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.parse(text(first.onprem)).chart).toBeUndefined();
    writeFileSync(join(root, 'slipway.yaml'), 'chart:\n  name: app\n  version: 0.1.1\n');
    const second = await build('second', 'first');
    const prod = JSON.parse(text(second.prod));
    expect(prod.sequence).toBe(2);
    expect(prod.previous).toBe(sha256sum(first.prod));
    expect(prod.chart.version).toBe('0.1.1');
    expect(prod.chart.sha256).not.toBe(JSON.parse(text(first.prod)).chart.sha256);
    expect(second.onprem).toEqual(first.onprem);
    expect(JSON.parse(text(second.index))).toMatchObject({ sequence: 2, previous: sha256sum(first.index) });
  });
});
