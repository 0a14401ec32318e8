import fc from 'fast-check';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

/**
 * Mutations of a source tree's files for the fuzzer: structure-aware ones that keep YAML well
 * formed but change what it says (keys, values, types, anchors, tags, flow and block style,
 * Unicode and control characters), and byte-level ones that break it. Each is data drawn by
 * fast-check, so a failing case shrinks and replays from its seed.
 */

/** Values an attacker or a hurried editor puts where a string, number or list belongs. */
const hostileValues: unknown[] = [
  '',
  ' ',
  '${var.x}',
  '%{ if true }x%{ endif }',
  '$(rm -rf /)',
  '`id`',
  '"; drop table x; --',
  "'",
  '{{ .Values.secret }}',
  '{% raw %}',
  '---\nkind: Secret',
  'a\nb',
  'line\u2028separator',
  '\u202eevil',
  '\u001b[2J',
  'ｅｕ-ｐｒｏｄ',
  'e\u0301',
  '../../etc/passwd',
  '/dev/zero',
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  -1,
  0,
  1e308,
  -0,
  2 ** 53 + 1,
  0.5,
  true,
  null,
  [],
  {},
  ['a', 1, null],
  { __proto__: { polluted: true } },
  { nested: { deeper: { deepest: 'x' } } },
];

export type Mutation =
  | { kind: 'set'; path: number; value: number }
  | { kind: 'delete'; path: number }
  | { kind: 'rename'; path: number; name: number }
  | { kind: 'duplicate'; path: number }
  | { kind: 'anchor'; path: number; target: number }
  | { kind: 'tag'; path: number; tag: number }
  | { kind: 'flow'; path: number }
  | { kind: 'flip'; offset: number; byte: number }
  | { kind: 'insert'; offset: number; bytes: number[] }
  | { kind: 'truncate'; offset: number }
  | { kind: 'repeat'; offset: number; length: number; times: number };

const names = ['name', 'services', 'image', 'env', 'region', 'managed', 'release', 'ports', 'type', 'NAME', 'unknown', 'x-y', '<<', '? key', '-', '1', 'true'];
const tags = ['!!str', '!!int', '!!binary', '!!set', '!!omap', '!custom', '!!timestamp', '!!float'];

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path: fc.nat(), value: fc.nat({ max: hostileValues.length - 1 }) }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }),
  fc.record({ kind: fc.constant('rename' as const), path: fc.nat(), name: fc.nat({ max: names.length - 1 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), path: fc.nat() }),
  fc.record({ kind: fc.constant('anchor' as const), path: fc.nat(), target: fc.nat() }),
  fc.record({ kind: fc.constant('tag' as const), path: fc.nat(), tag: fc.nat({ max: tags.length - 1 }) }),
  fc.record({ kind: fc.constant('flow' as const), path: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), offset: fc.nat(), byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), offset: fc.nat(), bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), offset: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), offset: fc.nat(), length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 200 }) }),
);

/** Every node of a document with its parent collection, in document order. */
function nodesOf(document: Document): Array<{ node: Node; parent: Node | undefined; key: unknown }> {
  const found: Array<{ node: Node; parent: Node | undefined; key: unknown }> = [];
  const walk = (node: unknown, parent: Node | undefined, key: unknown) => {
    if (!node || typeof node !== 'object') return;
    found.push({ node: node as Node, parent, key });
    if (isMap(node)) for (const pair of node.items) walk(pair.value, node, isScalar(pair.key) ? pair.key.value : pair.key);
    if (isSeq(node)) node.items.forEach((item, index) => walk(item, node, index));
  };
  walk(document.contents, undefined, undefined);
  return found;
}

/** The file's bytes after one mutation; undefined when a structural one does not apply (the file is not YAML). */
export function mutate(bytes: Buffer, mutation: Mutation): Buffer {
  switch (mutation.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const copy = Buffer.from(bytes);
      copy[mutation.offset % copy.length] = mutation.byte;
      return copy;
    }
    case 'insert': {
      const at = mutation.offset % (bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(mutation.bytes), bytes.subarray(at)]);
    }
    case 'truncate':
      return bytes.subarray(0, mutation.offset % (bytes.length + 1));
    case 'repeat': {
      const at = mutation.offset % (bytes.length + 1);
      const slice = bytes.subarray(at, at + mutation.length);
      return Buffer.concat([bytes.subarray(0, at), ...Array.from({ length: mutation.times }, () => slice), bytes.subarray(at)]);
    }
    default:
      return structural(bytes, mutation);
  }
}

function structural(bytes: Buffer, mutation: Exclude<Mutation, { kind: 'flip' | 'insert' | 'truncate' | 'repeat' }>): Buffer {
  const document = parseDocument(bytes.toString('utf8'), { uniqueKeys: false });
  if (document.errors.length > 0) return bytes;
  const nodes = nodesOf(document);
  if (nodes.length === 0) return bytes;
  const target = nodes[mutation.path % nodes.length]!;
  const parent = target.parent;
  switch (mutation.kind) {
    case 'set':
      if (parent && (isMap(parent) || isSeq(parent))) parent.set(target.key as never, document.createNode(hostileValues[mutation.value]));
      else document.contents = document.createNode(hostileValues[mutation.value]) as never;
      break;
    case 'delete':
      if (parent && (isMap(parent) || isSeq(parent))) parent.delete(target.key as never);
      break;
    case 'rename':
      if (parent && isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === target.key);
        if (pair && isScalar(pair.key)) pair.key.value = names[mutation.name];
      }
      break;
    case 'duplicate':
      if (parent && isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === target.key);
        if (pair) parent.items.push(pair.clone() as never);
      } else if (parent && isSeq(parent)) parent.items.push(target.node.clone() as never);
      break;
    case 'anchor': {
      const source = nodes[mutation.target % nodes.length]!.node;
      if (source === target.node || !parent || !(isMap(parent) || isSeq(parent))) break;
      source.anchor = 'fuzz';
      parent.set(target.key as never, document.createAlias(source as never, 'fuzz'));
      break;
    }
    case 'tag':
      // An alias an earlier mutation of the same file made carries no tag of its own (yaml refuses one).
      if (!isAlias(target.node)) target.node.tag = tags[mutation.tag];
      break;
    case 'flow':
      if (isMap(target.node) || isSeq(target.node)) target.node.flow = !target.node.flow;
      break;
  }
  try {
    return Buffer.from(document.toString(), 'utf8');
  } catch {
    // A mutation yaml itself cannot write (an alias to its own ancestor): the file stays as it was.
    return bytes;
  }
}
