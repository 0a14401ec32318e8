import type { Diagnostic } from '../core/diagnostics.js';
import { findingAt, type JsonPath, type SourceFile } from '../model/index.js';

/**
 * The shape of patch and manifest files, checked where they are read so each mistake points at its
 * own line: what kustomize would refuse while the reconciler applies them, long after the merge.
 */

const operations = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A patch file: a list of RFC 6902 operations (which needs the entry's `target`), or a strategic-merge patch naming its object. */
export function patchShapeFindings(file: SourceFile, hasTarget: boolean): Diagnostic[] {
  const at = (path: JsonPath, message: string, key = false) => findingAt({ source: file, path }, 'invalid-patch', message, { key });
  const data = file.data;
  if (Array.isArray(data)) {
    const findings: Diagnostic[] = [];
    if (!hasTarget) findings.push(at([], 'a JSON 6902 patch (a list of operations) changes the object its entry names: add target: {kind, name} to the entry that names this file'));
    if (data.length === 0) findings.push(at([], 'this JSON 6902 patch has no operation; add one ({op: replace, path: /spec/replicas, value: 3}) or remove the patch'));
    data.forEach((item, index) => findings.push(...operationFindings(item, index, at)));
    return findings;
  }
  if (!isMapping(data)) return [at([], 'a patch is either a strategic-merge patch (a mapping with apiVersion, kind, metadata.name and the fields to set) or a JSON 6902 patch (a list of {op, path, value})')];
  return identityFindings(data, at, 'a strategic-merge patch');
}

function operationFindings(item: unknown, index: number, at: (path: JsonPath, message: string, key?: boolean) => Diagnostic): Diagnostic[] {
  if (!isMapping(item)) return [at([index], 'each JSON 6902 operation is a mapping {op, path, value}')];
  const findings: Diagnostic[] = [];
  const op = item.op;
  if (typeof op !== 'string' || !operations.has(op)) {
    findings.push(at(op === undefined ? [index] : [index, 'op'], `"op" must be one of ${[...operations].join(', ')}`));
  }
  for (const key of ['path', ...(op === 'move' || op === 'copy' ? ['from'] : [])]) {
    const pointer = item[key];
    if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) {
      findings.push(at(pointer === undefined ? [index] : [index, key], `"${key}" must be a JSON pointer such as /spec/replicas (starting with "/")`));
    }
  }
  if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in item)) findings.push(at([index], `a "${op}" operation needs a "value"`));
  for (const key of Object.keys(item)) {
    if (!['op', 'path', 'value', 'from'].includes(key)) findings.push(at([index, key], `unknown key "${key}" in a JSON 6902 operation (op, path, value, from)`, true));
  }
  return findings;
}

/** An extra manifest: one Kubernetes object with apiVersion, kind and metadata.name. */
export function manifestShapeFindings(file: SourceFile): Diagnostic[] {
  const at = (path: JsonPath, message: string, key = false) => findingAt({ source: file, path }, 'manifest-incomplete', message, { key });
  if (!isMapping(file.data)) return [at([], 'an extra manifest is one Kubernetes object (a mapping with apiVersion, kind and metadata.name); put each object in its own file')];
  return identityFindings(file.data, at, 'a Kubernetes object');
}

function identityFindings(data: Mapping, at: (path: JsonPath, message: string) => Diagnostic, what: string): Diagnostic[] {
  const findings: Diagnostic[] = [];
  if (typeof data.apiVersion !== 'string' || data.apiVersion === '') findings.push(at(data.apiVersion === undefined ? [] : ['apiVersion'], `${what} needs apiVersion (e.g. "v1", "apps/v1")`));
  if (typeof data.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(data.kind)) findings.push(at(data.kind === undefined ? [] : ['kind'], `${what} needs kind (e.g. ConfigMap, Deployment)`));
  const metadata = data.metadata;
  if (!isMapping(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    findings.push(at(isMapping(metadata) ? ['metadata'] : metadata === undefined ? [] : ['metadata'], `${what} needs metadata.name`));
  } else if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
    findings.push(at(['metadata', 'namespace'], 'metadata.namespace is a string'));
  }
  return findings;
}
