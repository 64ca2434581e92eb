import { z } from 'zod';
import { invalidField, isUuid } from '@crm/platform';

const MINUTES = 'must be a whole number of minutes between 0 and 40320 (four weeks)';

/** The reminder's lead time. */
export const zRemindMinutes = z.number(MINUTES).int(MINUTES).min(0, MINUTES).max(40320, MINUTES);

/** The operation's own `id` argument as a task id: a malformed one is BAD_USER_INPUT naming `id`. */
export function taskId(raw: string): string {
  if (!isUuid(raw)) throw invalidField('id', `"${String(raw).slice(0, 60)}" is not a task id`);
  return raw.toLowerCase();
}
