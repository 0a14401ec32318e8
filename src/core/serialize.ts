import { stringify } from 'yaml';
import { compareText } from './diagnostics.js';

const encoder = new TextEncoder();

/** Deep copy with every object's keys in code-point order, so serialised output never depends on insertion order. */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => sortKeysDeep(item)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => compareText(a, b))
        .map(([k, v]) => [k, sortKeysDeep(v)]),
    ) as T;
  }
  return value;
}

/** Pretty JSON for people and machines alike: sorted keys, two-space indent, final newline. */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(sortKeysDeep(value), null, 2)}\n`);
}

/** YAML written by the `yaml` serialiser from data; `sortKeys: false` keeps an order the caller chose on purpose. */
export function yamlBytes(value: unknown, options: { sortKeys?: boolean } = {}): Uint8Array {
  const data = options.sortKeys === false ? value : sortKeysDeep(value);
  return encoder.encode(stringify(data, { lineWidth: 0, aliasDuplicateObjects: false }));
}

export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}
