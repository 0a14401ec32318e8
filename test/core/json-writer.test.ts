import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedJson } from '../../src/core/json-writer.js';
import { jsonBytes, sortKeysDeep } from '../../src/core/serialize.js';

/** The definition `jsonBytes` keeps to, written out here so the writer is not its own judge. */
const reference = (value: unknown) => `${JSON.stringify(sortKeysDeep(value), null, 2)}\n`;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('the sorted JSON writer', () => {
  it('writes JSON data exactly as JSON.stringify of the sorted copy does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(text(jsonBytes(value))).toBe(reference(value));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same bytes for anything at all, handing what is not plain data to the slow path', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: false, withTypedArray: true, withDate: true, withMap: true, withNullPrototype: true, withObjectString: true, withSparseArray: true }), (value) => {
        expect(text(jsonBytes(value))).toBe(reference(value));
      }),
      { numRuns: 500 },
    );
  });

  it('declines integer-like keys, undefined in arrays, non-finite numbers, typed arrays and toJSON', () => {
    for (const value of [{ 10: 'a', b: 1 }, [1, undefined], { a: Number.NaN }, new Uint8Array([1]), { a: new Date(0) }, { a: 1n }])
      expect(sortedJson(value)).toBeUndefined();
    expect(sortedJson({ b: { d: [1, 'x', null, true, {}], c: [] }, a: undefined, '01': 2 })).toBe('{\n  "01": 2,\n  "b": {\n    "c": [],\n    "d": [\n      1,\n      "x",\n      null,\n      true,\n      {}\n    ]\n  }\n}');
  });
});
