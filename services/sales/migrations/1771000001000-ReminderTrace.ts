import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addJobTrace } from '@crm/platform';

/** A reminder remembers the trace of the request that scheduled it; the reminder's events continue it. */
export class ReminderTrace1771000001000 implements MigrationInterface {
  name = 'ReminderTrace1771000001000';

  async up(q: QueryRunner): Promise<void> {
    await addJobTrace(q, 'task_reminders');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE task_reminders DROP COLUMN traceparent`);
  }
}
