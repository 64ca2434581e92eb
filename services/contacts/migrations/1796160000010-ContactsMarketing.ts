import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 9, the contacts side of marketing: the social handles and the time zone a campaign routes
 * and schedules by (the `social` channel needs a handle, "send at 9:00 in the recipient's time
 * zone" needs a zone), and the event a consent record came from.
 *
 * `consent_history.source_event_id` names the marketing event (an unsubscribe, a form submission)
 * that caused the record: it is part of the evidence, and its unique index makes a redelivered
 * event unable to append the same decision twice even after the inbox forgot the event
 * (INBOX_RETENTION_HOURS). Adding a column keeps the table append-only for the application.
 */
export class ContactsMarketing1796160000010 implements MigrationInterface {
  name = 'ContactsMarketing1796160000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts ADD COLUMN social_handles jsonb NOT NULL DEFAULT '[]', ADD COLUMN time_zone text`);
    await q.query(`ALTER TABLE consent_history ADD COLUMN source_event_id text`);
    await q.query(`CREATE UNIQUE INDEX consent_history_source_event ON consent_history (tenant_id, source_event_id, channel) WHERE source_event_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX consent_history_source_event`);
    await q.query(`ALTER TABLE consent_history DROP COLUMN source_event_id`);
    await q.query(`ALTER TABLE contacts DROP COLUMN time_zone, DROP COLUMN social_handles`);
  }
}
