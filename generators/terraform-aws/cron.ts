import { BugError } from '../../src/errors.js';

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

function awsWeekdayItem(item: string): string {
  const [range, step] = item.split('/') as [string, string | undefined];
  const name = (token: string) => (/^[0-9]+$/.test(token) ? weekdayNames[Number(token) % 7]! : token.toUpperCase());
  let converted: string;
  if (range === '*') converted = '*';
  else if (range.includes('-')) {
    const [from, to] = range.split('-') as [string, string];
    // cron's 7 is Sunday again: FRI-7 means Friday to Sunday, which AWS spells FRI-SAT,SUN.
    converted = to === '7' && from !== '0' ? `${name(from)}-SAT,SUN` : `${name(from)}-${name(to)}`;
  } else converted = name(range);
  return step === undefined ? converted : `${converted === '*' ? '1' : converted}/${step}`;
}

function awsIncrement(field: string, start: string): string {
  return field.replace(/^\*\//, `${start}/`);
}

/**
 * The schedule as an AWS cron expression (`cron(m h dom mon dow year)`). AWS wants `?` in one of
 * day-of-month and day-of-week; when both are restricted (cron's "either"), AWS cannot say it, so
 * the day-of-month wins and `approximate` says so.
 */
export function awsCron(schedule: string): { expression: string; approximate: boolean } {
  const fields = cronFields(schedule);
  let day = awsIncrement(fields.day, '1');
  let weekday = fields.weekday === '*' ? '*' : fields.weekday.split(',').map(awsWeekdayItem).join(',');
  let approximate = false;
  if (weekday === '*') weekday = '?';
  else if (day === '*') day = '?';
  else {
    weekday = '?';
    approximate = true;
  }
  const expression = `cron(${awsIncrement(fields.minute, '0')} ${awsIncrement(fields.hour, '0')} ${day} ${awsIncrement(fields.month, '1').toUpperCase()} ${weekday} *)`;
  return { expression, approximate };
}
