import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortTextInPlace } from './diagnostics.js';

describe('sortTextInPlace', () => {
  it('orders keys exactly as Array.prototype.sort does, in place, short and long, sorted or not', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'B', 'b', '0', '9', '-', '_', '.', 'é', '\u{1F600}', '\uffff'), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(text, { maxLength: 40 }), fc.boolean(), (keys, presorted) => {
        const input = presorted ? [...keys].sort() : [...keys];
        const expected = [...input].sort();
        const result = sortTextInPlace(input);
        expect(result).toBe(input);
        expect(result).toEqual(expected);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500) },
    );
  });
});
