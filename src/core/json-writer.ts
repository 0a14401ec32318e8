import { compareText } from './diagnostics.js';

/**
 * `JSON.stringify(sortKeysDeep(value), null, 2)` in one walk, without the sorted deep copy (which
 * made serialising plan.json and index.json most of their cost). Plain data only: the text, or
 * `undefined` for anything else (a `toJSON`, typed arrays, a bigint, a non-finite number,
 * `undefined` in an array, an integer-like key, which an object lists first whatever the sort) —
 * the caller then takes the slow path, so both always give the same bytes.
 */
export function sortedJson(value: unknown): string | undefined {
  try {
    return write(value, '');
  } catch (error) {
    if (error === notPlainData) return undefined;
    throw error;
  }
}

const notPlainData = Symbol('not plain data');

function write(value: unknown, indent: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw notPlainData;
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? array(value, indent) : object(value, indent);
    default:
      throw notPlainData;
  }
}

function array(items: readonly unknown[], indent: string): string {
  if (Object.getPrototypeOf(items) !== Array.prototype) throw notPlainData;
  if (items.length === 0) return '[]';
  const inner = `${indent}  `;
  let text = '[';
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (item === undefined) throw notPlainData;
    text += `${index === 0 ? '' : ','}\n${inner}${write(item, inner)}`;
  }
  return `${text}\n${indent}]`;
}

function object(map: object, indent: string): string {
  const prototype = Object.getPrototypeOf(map) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw notPlainData;
  const record = map as Record<string, unknown>;
  const keys = Object.keys(record);
  keys.sort(compareText);
  const inner = `${indent}  `;
  let text = '';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (isIndexLike(key)) throw notPlainData;
    text += `${text === '' ? '' : ','}\n${inner}${JSON.stringify(key)}: ${write(item, inner)}`;
  }
  return text === '' ? '{}' : `{${text}\n${indent}}`;
}

/** A key an object orders numerically before every other, as `JSON.stringify` of the sorted copy would list it. */
function isIndexLike(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
}
