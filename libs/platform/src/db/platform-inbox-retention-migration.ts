import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets the inbox purge find processed-event ids past their retention without scanning the table
 * (see InboxPurger). A plain CREATE INDEX inside the migration's transaction: it blocks inbox writes
 * (event handling, not the API) while it builds, seconds even on a large inbox. CONCURRENTLY is not
 * used: it cannot run in a transaction, and it waits for every older snapshot in the database —
 * including a replica waiting on the migration lock, which waits for us.
 */
export class PlatformInboxRetention1764000000600 implements MigrationInterface {
  name = 'PlatformInboxRetention1764000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS inbox_processed_at ON inbox (processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS inbox_processed_at`);
  }
}
