import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSecretValue } from '../../src/secrets/values.js';

/** Random bytes from a fast-check array, repeated as often as the generator asks. */
const fixedRandom = (bytes: number[]) => (count: number) => Uint8Array.from({ length: count }, (_, index) => bytes[index % bytes.length]!);

describe('generated secret values', () => {
  it('passwords and random values need no percent-encoding in a URL, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }), fc.constantFrom('password' as const, 'random' as const), fc.integer({ min: 16, max: 64 }), (bytes, generate, length) => {
        // Bytes all rejected by the sampler would never end; one acceptable byte is enough to finish.
        const value = generateSecretValue({ generate, length }, fixedRandom([...bytes, 0]));
        expect(value).toHaveLength(length);
        // RFC 3986 unreserved characters only: what Kubernetes splices into DATABASE_URL unencoded stays a valid URL.
        expect(value).toMatch(/^[A-Za-z0-9\-_.~]+$/);
      }),
    );
  });

  it('passwords leave out characters that are easy to misread', () => {
    const value = generateSecretValue({ generate: 'password', length: 4096 }, (count) => Uint8Array.from({ length: count }, (_, index) => index % 256));
    expect(value).not.toMatch(/[IOl01]/);
    expect(new Set(value).size).toBe(61);
  });
});
