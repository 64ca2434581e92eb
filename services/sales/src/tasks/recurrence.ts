/** How a recurring task repeats (null: it does not). */
export type Recurrence = 'daily' | 'weekly' | 'monthly';

const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The due time of occurrence `n` (0: the first) of a series that starts at `start`. Daily and
 * weekly add whole days; monthly keeps the start's day of month and clamps it to shorter months
 * (Jan 31 → Feb 28/29 → Mar 31), so the series never drifts to an earlier day. Time of day and
 * arithmetic are UTC.
 */
export function occurrenceDue(recurrence: Recurrence, start: Date, n: number): Date {
  if (recurrence === 'daily') return new Date(start.getTime() + n * DAY_MS);
  if (recurrence === 'weekly') return new Date(start.getTime() + 7 * n * DAY_MS);
  const months = start.getUTCMonth() + n;
  const year = start.getUTCFullYear() + Math.floor(months / 12);
  const month = ((months % 12) + 12) % 12;
  const day = Math.min(start.getUTCDate(), daysInMonth(year, month));
  return new Date(Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds()));
}
