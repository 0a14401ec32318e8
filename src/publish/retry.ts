/** Waiting and retrying, injectable so tests run at full speed and can see every wait. */
export interface Backoff {
  sleep(ms: number): Promise<void>;
  /** Milliseconds since the epoch (for `x-ratelimit-reset`). */
  now(): number;
  /** Attempts per API call before giving up (rate limits, 5xx). */
  attempts: number;
  /** First wait; doubled on each further attempt, capped at `maxMs`. */
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: Backoff = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  attempts: 5,
  baseMs: 1000,
  maxMs: 60_000,
};

function exponential(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
}

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * How long to wait before retrying a failed GitHub call, or undefined when retrying cannot help.
 * Retried: 429, 5xx, network failures, and 403s that are rate limits (primary: `x-ratelimit-remaining: 0`;
 * secondary: "secondary rate limit" in the message). `retry-after` and `x-ratelimit-reset` are obeyed.
 */
export function retryDelay(error: unknown, attempt: number, backoff: Backoff): number | undefined {
  const e = error as HttpError;
  const status = e?.status;
  const headers = e?.response?.headers ?? {};
  const message = `${e?.message ?? ''} ${JSON.stringify((e?.response?.data as { message?: unknown })?.message ?? '')}`;
  const rateLimited = status === 429 || (status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(message)));
  const transient = status === undefined || status >= 500;
  if (!rateLimited && !transient) return undefined;
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(backoff.maxMs, retryAfter * 1000);
  const reset = Number(headers['x-ratelimit-reset']);
  if (rateLimited && Number.isFinite(reset) && reset > 0) return Math.min(backoff.maxMs, Math.max(0, reset * 1000 - backoff.now()) + 1000);
  return exponential(backoff, attempt);
}

/** Runs one API call, retrying as `retryDelay` says; the last error is rethrown. */
export async function withRetry<T>(call: () => Promise<T>, backoff: Backoff, onRetry?: (delayMs: number, error: unknown) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = attempt < backoff.attempts ? retryDelay(error, attempt, backoff) : undefined;
      if (delay === undefined) throw error;
      onRetry?.(delay, error);
      await backoff.sleep(delay);
    }
  }
}
