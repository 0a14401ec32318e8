import { UsageError } from '../core/errors.js';

/**
 * The moment policies are judged at: `SOURCE_DATE_EPOCH` (the commit time) when set, so the same
 * commit gives the same verdicts on every machine; the wall clock otherwise.
 */
export function buildTime(env: Readonly<Record<string, string | undefined>>): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '') return new Date();
  if (!/^[0-9]{1,12}$/.test(epoch)) {
    throw new UsageError(`SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not ${JSON.stringify(epoch)}`);
  }
  return new Date(Number(epoch) * 1000);
}
