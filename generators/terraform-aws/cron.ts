import { cronFields, weekdayName } from '../infrastructure-shared/cron.js';

function awsWeekdayItem(item: string): string {
  const [range, step] = item.split('/') as [string, string | undefined];
  let converted: string;
  if (range === '*') converted = '*';
  else if (range.includes('-')) {
    const [from, to] = range.split('-') as [string, string];
    // cron's 7 is Sunday again: FRI-7 means Friday to Sunday, which AWS spells FRI-SAT,SUN.
    converted = to === '7' && from !== '0' ? `${weekdayName(from)}-SAT,SUN` : `${weekdayName(from)}-${weekdayName(to)}`;
  } else converted = weekdayName(range);
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
