import { fromWallClock, wallClock } from '@crm/shared-kernel';

/** How a recurring task repeats (null: it does not). */
export type Recurrence = 'daily' | 'weekly' | 'monthly';

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The due time of occurrence `n` (0: the first) of a series that starts at `start`, on the wall clock
 * of `timeZone` (the assignee's): a task due at 09:00 in Berlin stays due at 09:00 there across
 * daylight-saving changes. Daily and weekly add whole days; monthly keeps the start's day of month and
 * clamps it to shorter months (Jan 31 → Feb 28/29 → Mar 31), so the series never drifts to an earlier day.
 */
export function occurrenceDue(recurrence: Recurrence, start: Date, n: number, timeZone = 'UTC'): Date {
  const w = wallClock(start, timeZone);
  if (recurrence === 'daily') return fromWallClock({ ...w, day: w.day + n }, timeZone);
  if (recurrence === 'weekly') return fromWallClock({ ...w, day: w.day + 7 * n }, timeZone);
  const months = w.month + n;
  const year = w.year + Math.floor(months / 12);
  const month = ((months % 12) + 12) % 12;
  return fromWallClock({ ...w, year, month, day: Math.min(w.day, daysInMonth(year, month)) }, timeZone);
}
