import { describe, expect, it } from 'vitest';
import { defaultBackoff, retryDelay, withRetry } from '../../src/publish/retry.js';

const backoff = { ...defaultBackoff, now: () => 1_800_000_000_000 };
const error = (status: number | undefined, headers: Record<string, string> = {}, message = '') => ({ status, message, response: { headers, data: { message } } });

describe('GitHub retry policy', () => {
  it('retries rate limits as GitHub asks: retry-after first, then the reset time, then exponential', () => {
    expect(retryDelay(error(429, { 'retry-after': '3' }), 1, backoff)).toBe(3000);
    expect(retryDelay(error(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1800000010' }), 1, backoff)).toBe(11_000);
    expect(retryDelay(error(403, {}, 'You have exceeded a secondary rate limit'), 2, backoff)).toBe(2000);
    expect(retryDelay(error(403, { 'retry-after': '600' }, 'secondary rate limit'), 1, backoff)).toBe(60_000);
  });

  it('retries server errors and network failures, never client errors', () => {
    expect(retryDelay(error(502), 3, backoff)).toBe(4000);
    expect(retryDelay(error(undefined), 1, backoff)).toBe(1000);
    for (const status of [400, 401, 403, 404, 409, 422]) expect(retryDelay(error(status), 1, backoff)).toBeUndefined();
  });

  it('gives up after the configured attempts with the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const failing = withRetry(async () => {
      calls++;
      throw error(503);
    }, { ...backoff, attempts: 3, sleep: async (ms) => void waits.push(ms) });
    await expect(failing).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(3);
    expect(waits).toEqual([1000, 2000]);
  });
});
