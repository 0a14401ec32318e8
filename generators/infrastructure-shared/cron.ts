import { BugError } from '../../src/core/errors.js';

/** The five fields of a cron schedule (`minute hour day-of-month month day-of-week`, UTC). */
export interface CronFields {
  minute: string;
  hour: string;
  day: string;
  month: string;
  weekday: string;
}

const fieldPattern = /^[0-9A-Za-z*,/-]+$/;

/** Splits a schedule the schema accepted; anything else is a bug. */
export function cronFields(schedule: string): CronFields {
  const parts = schedule.trim().split(/ +/);
  if (parts.length !== 5 || !parts.every((part) => fieldPattern.test(part))) throw new BugError(`unexpected cron schedule ${JSON.stringify(schedule)}`);
  const [minute, hour, day, month, weekday] = parts as [string, string, string, string, string];
  return { minute, hour, day, month, weekday };
}

const weekdayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** One day of the week as its three-letter upper-case name: `0` and `7` → `SUN`, `mon` → `MON`. */
export function weekdayName(token: string): string {
  return /^[0-9]+$/.test(token) ? weekdayNames[Number(token) % 7]! : token.toUpperCase();
}
