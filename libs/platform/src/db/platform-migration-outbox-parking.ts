import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole } from './platform-migration';

/**
 * Parking for outbox rows the broker can never take (too large), and the relay's progress mark.
 *
 * - `failed_at` / `error` / `failures`: a parked row stays unpublished with the reason; the relay
 *   skips it (and the later rows of the same aggregate, to keep per-key order) until an operator
 *   retries it (`crm outbox retry`). Nullable columns without a default are added without a rewrite.
 * - `outbox_parked`: a partial index holding only parked rows (normally none), so the relay's
 *   "is this aggregate held?" test and the failed-count metric cost nothing on a big outbox.
 * - `outbox_relay`: one row, the last time a relay published or parked anything; readiness compares
 *   it with the age of the oldest waiting row (works whichever replica holds the relay lock).
 */
export class OutboxParking1764000000500 implements MigrationInterface {
  name = 'OutboxParking1764000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ADD COLUMN failed_at timestamptz, ADD COLUMN error text, ADD COLUMN failures integer NOT NULL DEFAULT 0`);
    await q.query(`CREATE INDEX outbox_parked ON outbox (topic, key, seq) WHERE published_at IS NULL AND failed_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE outbox_relay (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        progressed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO outbox_relay DEFAULT VALUES`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_relay TO ${await appRole(q)}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE outbox_relay');
    await q.query('DROP INDEX outbox_parked');
    await q.query('ALTER TABLE outbox DROP COLUMN failures, DROP COLUMN error, DROP COLUMN failed_at');
  }
}
