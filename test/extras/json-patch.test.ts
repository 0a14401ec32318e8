import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { firstFailingOperation, type JsonPatchOperation } from '../../generators/kubernetes/json-patch.js';
import { describeWithTool, runTool, toolPresent } from '../support/tools.js';

/**
 * firstFailingOperation is Slipway's prediction of whether kustomize applies a JSON 6902 patch:
 * each case is put to `kubectl kustomize` itself, and the two must agree.
 */
const work = mkdtempSync(join(tmpdir(), 'slipway-json-patch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags', labels: { app: 'a' } }, data: { a: '1' }, binaryData: {} };
const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
  spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'x', args: ['one'] }] } } },
};

const cases: Array<[string, object, JsonPatchOperation[]]> = [
  ['replace an existing field', object, [{ op: 'replace', path: '/data/a', value: '2' }]],
  ['replace a missing field', object, [{ op: 'replace', path: '/data/b', value: '2' }]],
  ['remove a missing field', object, [{ op: 'remove', path: '/metadata/zz' }]],
  ['add under a missing parent', object, [{ op: 'add', path: '/metadata/a/b', value: 'y' }]],
  ['replace under a missing parent', object, [{ op: 'replace', path: '/spec/nothing/here', value: 1 }]],
  ['add the parent, then under it', object, [{ op: 'add', path: '/metadata/extra', value: {} }, { op: 'add', path: '/metadata/extra/x', value: 'y' }]],
  ['add to the end of a list', deployment, [{ op: 'add', path: '/spec/template/spec/containers/0/args/-', value: 'two' }]],
  ['add past the end of a list', deployment, [{ op: 'add', path: '/spec/template/spec/containers/0/args/5', value: 'two' }]],
  ['replace a list item that is not there', deployment, [{ op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'y' }]],
  ['move from a missing field', object, [{ op: 'move', from: '/data/b', path: '/data/c' }]],
  ['copy an existing field', object, [{ op: 'copy', from: '/data/a', path: '/data/c' }]],
  ['remove, then replace what was removed', object, [{ op: 'remove', path: '/data/a' }, { op: 'replace', path: '/data/a', value: '3' }]],
  ['add an annotation to an object with none (kustomize keeps that map)', object, [{ op: 'add', path: '/metadata/annotations/x', value: 'y' }]],
  ['remove the annotations of an object with none', object, [{ op: 'remove', path: '/metadata/annotations' }]],
  ['add a label to an object with none', deployment, [{ op: 'add', path: '/metadata/labels/x', value: 'y' }]],
  ['a key with an escaped slash', object, [{ op: 'add', path: '/metadata/labels/example.com~1tier', value: 'web' }, { op: 'remove', path: '/metadata/labels/example.com~1tier' }]],
];

describeWithTool('kubectl', toolPresent('kubectl', ['version', '--client']))('JSON 6902 operations: Slipway and kubectl kustomize agree', () => {
  it.each(cases)('%s', (name, base, operations) => {
    const dir = join(work, name.replace(/[^a-z0-9]+/gi, '-'));
    const target = base as { kind: string; metadata: { name: string } };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'object.yaml'), stringify(base));
    writeFileSync(join(dir, 'patch.yaml'), stringify(operations));
    writeFileSync(join(dir, 'kustomization.yaml'), stringify({ resources: ['object.yaml'], patches: [{ path: 'patch.yaml', target: { kind: target.kind, name: target.metadata.name } }] }));
    const kustomize = runTool('kubectl', ['kustomize', dir]);
    expect(firstFailingOperation(base, operations) === undefined, kustomize.stderr).toBe(kustomize.status === 0);
  });
});
