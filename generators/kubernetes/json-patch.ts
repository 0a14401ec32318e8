/**
 * RFC 6902 applied to plain data, only far enough to tell whether each operation's paths exist where
 * the operation needs them as kustomize applies it (RFC 6902 §4: the target of remove and test, the
 * `from` of move and copy, the parent of add; for replace, the parent mapping or the list item): kustomize refuses the whole folder on the first one that does
 * not, so the reconciler would stop applying the environment. The data is changed as the operations
 * say, so a later operation sees what an earlier one added.
 */

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/** The first operation that cannot apply to `document`, with why; undefined when all apply. */
/**
 * kustomize keeps its own bookkeeping in an object's `metadata.annotations` while it patches, so to
 * a JSON 6902 patch that map always exists (`add /metadata/annotations/x` applies to an object
 * without annotations; `/metadata/labels/x` does not).
 */
function asKustomizePatchesIt(document: unknown): unknown {
  if (!isMapping(document)) return document;
  const metadata = document.metadata;
  if (isMapping(metadata) && metadata.annotations === undefined) metadata.annotations = {};
  return document;
}

export function firstFailingOperation(document: unknown, operations: readonly JsonPatchOperation[]): { index: number; key: 'path' | 'from'; message: string } | undefined {
  let data = asKustomizePatchesIt(structuredClone(document));
  for (const [index, operation] of operations.entries()) {
    const failed = (key: 'path' | 'from', message: string) => ({ index, key, message });
    if (operation.op === 'move' || operation.op === 'copy') {
      const found = locate(data, operation.from!);
      if (!found.exists) return failed('from', `${operation.from} does not exist in the object (${found.reason})`);
      const value = structuredClone(found.parent === undefined ? data : childOf(found.parent, found.key));
      if (operation.op === 'move') data = remove(data, operation.from!);
      const added = add(data, operation.path, value);
      if ('reason' in added) return failed('path', added.reason);
      data = added.data;
      continue;
    }
    if (operation.op === 'add') {
      const added = add(data, operation.path, structuredClone(operation.value));
      if ('reason' in added) return failed('path', added.reason);
      data = added.data;
      continue;
    }
    const found = locate(data, operation.path);
    // kustomize's json-patch replaces a key a mapping lacks as "add" would set it; only a missing parent or list item fails.
    if (!found.exists && operation.op === 'replace' && isMapping(nodeAt(data, parentPointer(tokens(operation.path))))) {
      data = (add(data, operation.path, structuredClone(operation.value)) as { data: unknown }).data;
      continue;
    }
    if (!found.exists) return failed('path', `${operation.path} does not exist in the object (${found.reason}); a "${operation.op}" needs it — use "add" to create a field`);
    if (operation.op === 'remove') data = remove(data, operation.path);
    else if (operation.op === 'replace') data = found.parent === undefined ? structuredClone(operation.value) : (setChild(found.parent, found.key, structuredClone(operation.value)), data);
  }
  return undefined;
}

function tokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Located = { exists: true; parent: unknown; key: string } | { exists: false; reason: string };

function locate(data: unknown, pointer: string): Located {
  const parts = tokens(pointer);
  if (parts.length === 0) return { exists: true, parent: undefined, key: '' };
  let node = data;
  for (const [depth, part] of parts.entries()) {
    const at = `/${parts.slice(0, depth).join('/')}`;
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(part) || Number(part) >= node.length) return { exists: false, reason: `${at} has no item ${part}` };
    } else if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) {
      return { exists: false, reason: node !== null && typeof node === 'object' ? `${at} has no "${part}"` : `${at} is not a mapping or list` };
    }
    if (depth === parts.length - 1) return { exists: true, parent: node, key: part };
    node = childOf(node, part);
  }
  return { exists: false, reason: 'unreachable' };
}

function childOf(parent: unknown, key: string): unknown {
  return Array.isArray(parent) ? parent[Number(key)] : (parent as Record<string, unknown>)[key];
}

function setChild(parent: unknown, key: string, value: unknown): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else (parent as Record<string, unknown>)[key] = value;
}

function add(data: unknown, pointer: string, value: unknown): { data: unknown } | { reason: string } {
  const parts = tokens(pointer);
  if (parts.length === 0) return { data: value };
  const parent = locate(data, parentPointer(parts));
  if (!parent.exists) return { reason: `the parent of ${pointer} does not exist (${parent.reason}); "add" creates only the last field — add the parents first, or patch the whole parent` };
  const node = parent.parent === undefined ? data : childOf(parent.parent, parent.key);
  const last = parts[parts.length - 1]!;
  if (Array.isArray(node)) {
    const index = last === '-' ? node.length : /^(0|[1-9][0-9]*)$/.test(last) ? Number(last) : Number.NaN;
    if (!(index <= node.length)) return { reason: `${pointer}: "${last}" is no index of a list of ${node.length} items` };
    node.splice(index, 0, value);
  } else if (node !== null && typeof node === 'object') {
    (node as Record<string, unknown>)[last] = value;
  } else {
    return { reason: `the parent of ${pointer} is not a mapping or list` };
  }
  return { data };
}

function parentPointer(parts: readonly string[]): string {
  return parts.length <= 1 ? '' : `/${parts.slice(0, -1).map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/** The value at a pointer, or undefined where there is none. */
function nodeAt(data: unknown, pointer: string): unknown {
  const found = locate(data, pointer);
  if (!found.exists) return undefined;
  return found.parent === undefined ? data : childOf(found.parent, found.key);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function remove(data: unknown, pointer: string): unknown {
  const found = locate(data, pointer);
  if (!found.exists || found.parent === undefined) return undefined;
  if (Array.isArray(found.parent)) found.parent.splice(Number(found.key), 1);
  else delete (found.parent as Record<string, unknown>)[found.key];
  return data;
}
