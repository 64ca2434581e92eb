import type { MigrationInterface, QueryRunner } from 'typeorm';
import { addJobState } from '@crm/platform';

/**
 * The reminder queue becomes a kernel job table (JobScheduler): a reminder whose handling fails is
 * retried with backoff and, after the last attempt, kept with failed_at and the error instead of
 * being retried forever in every sweep.
 */
export class ReminderQueueJobState1770000001000 implements MigrationInterface {
  name = 'ReminderQueueJobState1770000001000';

  async up(q: QueryRunner): Promise<void> {
    await addJobState(q, 'task_reminders');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX task_reminders_pending`);
    await q.query(`ALTER TABLE task_reminders DROP COLUMN attempts, DROP COLUMN last_error, DROP COLUMN failed_at`);
  }
}
