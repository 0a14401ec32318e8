import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/**
 * What the load stage read, as every later stage sees it: parsed files that remember where each
 * node came from, and the still-encrypted secrets files and trusted keys beside them.
 */

export type JsonPath = ReadonlyArray<string | number>;

/** A parsed input file that remembers where every node came from. */
export interface SourceFile {
  /** Relative to the source root, forward slashes. */
  path: string;
  text: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain data, or undefined when the file could not be parsed. */
  data: unknown;
  /**
   * Where each node starts, for a file the plain reader read (src/load/plain-yaml.ts): then the
   * document is only parsed if something asks for it, and positions come from here.
   */
  plainRoot?: PlainNode;
}

/** A node of a file the plain reader read: where it starts (an offset in the text), and its children. */
export type PlainNode =
  | { kind: 'map'; start: number; pairs: ReadonlyMap<string, { keyStart: number; value: PlainNode }> }
  | { kind: 'seq'; start: number; items: readonly PlainNode[] }
  | { kind: 'scalar'; start: number };

/**
 * Where a value of the model was written: a node of an input file. The resolved model keeps one for
 * whatever a later check may need to point at, so a finding found while rendering still has a file,
 * a line and a column.
 */
export interface Origin {
  source: SourceFile;
  path: JsonPath;
}

export interface Position {
  line: number;
  column: number;
}


export type InputKind =
  | 'settings'
  | 'service'
  | 'environment'
  | 'release'
  | 'target-policy'
  | 'provisioning-policy'
  | 'secrets-policy'
  | 'attestation-policy'
  | 'overlay';

/** An environment's SOPS file as the build sees it: never decrypted, only its names and recipients read. */
export interface SecretsFile {
  /** Relative to the source root. */
  path: string;
  bytes: Uint8Array;
  names: string[];
  recipients: string[];
  /**
   * The file in sops' dotenv form, still encrypted, made from the same parse as the names; or why a
   * hand-edited file has none (nested values, other encryption rules), for the generators' checks to report.
   */
  dotenv: { bytes: Uint8Array } | { problem: string };
}

/**
 * An OpenPGP public key (`keys/*.pub.asc`) whose signatures on deploy commits the reconcilers accept:
 * Flux's GitRepository verifies against it, Argo CD's AppProject names its key id.
 */
export interface CommitKey {
  /** `keys/<file>`, relative to the source root; the file name is also its key in the Flux Secret. */
  path: string;
  /** The armored public key, as the file holds it. */
  armored: string;
  /** The long key id, 16 upper-case hex digits (as Argo CD's `signatureKeys` take it). */
  keyId: string;
  /** 40 upper-case hex digits. */
  fingerprint: string;
  userIds: string[];
}

/** A release-signing public key that targets trust; shipped to self-hosted targets to check updates. */
export interface TrustedKey {
  /** `keys/<file>`, relative to the source root. */
  path: string;
  pem: string;
  keyId: string;
}

/**
 * Where a node sits. With `key: true` and a path ending in a mapping key, points at the key itself,
 * which is where an unknown or misspelt key should be reported.
 */
export function positionOf(file: SourceFile, path: JsonPath, options: { key?: boolean } = {}): Position {
  const plain = file.plainRoot;
  const offset = plain ? offsetAlong(plainNodes, plain, path, options) : offsetAlong(documentNodes, file.document.contents, path, options);
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = file.lineCounter.linePos(offset);
  return { line, column: col };
}

/** How a path is followed through one kind of node tree. */
interface NodeWalk<N> {
  /** The child `segment` names and where its key starts, or undefined when there is none. */
  child(node: N, segment: string | number): { keyStart?: number; node: N | null } | undefined;
  start(node: N): number | undefined;
}

/**
 * The offset of the node at the end of `path`, or of the deepest node on the way (the key of a
 * value left empty, when that is all there is).
 */
function offsetAlong<N>(walk: NodeWalk<N>, root: N | null, path: JsonPath, options: { key?: boolean }): number | undefined {
  let node = root;
  let keyStart: number | undefined;
  for (const segment of path) {
    keyStart = undefined;
    const next = node === null ? undefined : walk.child(node, segment);
    if (!next) break;
    keyStart = next.keyStart;
    node = next.node;
  }
  if (options.key && keyStart !== undefined) return keyStart;
  return (node === null ? undefined : walk.start(node)) ?? keyStart;
}

/** A YAML document's nodes, as `yaml` parsed them. */
const documentNodes: NodeWalk<unknown> = {
  child(node, segment) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      return pair ? { keyStart: (pair.key as Node).range?.[0], node: pair.value ?? null } : undefined;
    }
    if (isSeq(node)) {
      const item = node.items[Number(segment)];
      return item === undefined ? undefined : { node: item };
    }
    return undefined;
  },
  start: (node) => (node as Node | undefined)?.range?.[0],
};

/** The nodes of a file the plain reader read. */
const plainNodes: NodeWalk<PlainNode> = {
  child(node, segment) {
    if (node.kind === 'map') {
      const pair = node.pairs.get(String(segment));
      return pair ? { keyStart: pair.keyStart, node: pair.value } : undefined;
    }
    if (node.kind === 'seq') {
      const item = node.items[Number(segment)];
      return item === undefined ? undefined : { node: item };
    }
    return undefined;
  },
  start: (node) => node.start,
};
