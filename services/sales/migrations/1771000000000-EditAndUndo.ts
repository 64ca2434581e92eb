import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from '@crm/platform';

/**
 * Editing and undoing pipelines and deals (issue 10 §1):
 * - stages can be archived: an archived stage keeps its row (deals' stage history points at it) but
 *   leaves the pipeline's ordering, so the position is unique among active stages only;
 * - a stage's win probability changes are kept in stage_probability_history;
 * - deals can be archived (hidden from lists, restorable);
 * - a reopened won deal's commission is reversed by a negative ledger entry (reversal_of) and the
 *   original is marked reversed, so a later win of the same deal earns again instead of being
 *   swallowed by the one-entry-per-source index;
 * - tasks remind N minutes before they are due and may recur (daily, weekly, monthly: completing one
 *   creates the next). A monthly series keeps the day of month of its first due time (series_start),
 *   clamped to shorter months, so Jan 31 → Feb 28 → Mar 31 rather than drifting to the 28th;
 * - prices have a history with effective dates (price_history): the price a new quote or order
 *   takes is the one effective on its date; prices set before this migration are effective since
 *   always (-infinity);
 * - a sent quote is revised into a new version that supersedes it (status `superseded`, linked both
 *   ways; root_id groups the versions of one quote).
 */
export class EditAndUndo1771000000000 implements MigrationInterface {
  name = 'EditAndUndo1771000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stages ADD COLUMN archived_at timestamptz, ADD COLUMN archived_by text`);
    await q.query(`ALTER TABLE stages DROP CONSTRAINT stages_pipeline_id_position_key`);
    await q.query(`CREATE UNIQUE INDEX stages_active_position ON stages (pipeline_id, position) WHERE archived_at IS NULL`);
    await q.query(`
      CREATE TABLE stage_probability_history (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        stage_id uuid NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
        from_probability int NOT NULL,
        to_probability int NOT NULL,
        changed_by text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX stage_probability_history_stage ON stage_probability_history (stage_id, changed_at, id)`);
    await enableTenantIsolation(q, 'stage_probability_history');

    await q.query(`ALTER TABLE deals ADD COLUMN archived_at timestamptz, ADD COLUMN archived_by text`);

    await q.query(`ALTER TABLE commission_entries ADD COLUMN reversal_of uuid REFERENCES commission_entries (id), ADD COLUMN reversed_at timestamptz`);
    await q.query(`DROP INDEX commission_entries_source`);
    await q.query(`
      CREATE UNIQUE INDEX commission_entries_source ON commission_entries (tenant_id, source_kind, source_id, coalesce(line_id, '00000000-0000-0000-0000-000000000000'))
      WHERE reversal_of IS NULL AND reversed_at IS NULL`);
    await q.query(`CREATE UNIQUE INDEX commission_entries_reversal ON commission_entries (reversal_of) WHERE reversal_of IS NOT NULL`);

    await q.query(`
      ALTER TABLE tasks
        ADD COLUMN remind_minutes_before int NOT NULL DEFAULT 0 CHECK (remind_minutes_before BETWEEN 0 AND 40320),
        ADD COLUMN recurrence text CHECK (recurrence IN ('daily', 'weekly', 'monthly')),
        ADD COLUMN series_start timestamptz,
        ADD COLUMN occurrence int NOT NULL DEFAULT 0,
        ADD COLUMN previous_id uuid REFERENCES tasks (id) ON DELETE SET NULL,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);

    await q.query(`
      CREATE TABLE price_history (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        price_list_id uuid NOT NULL REFERENCES price_lists (id) ON DELETE CASCADE,
        product_id uuid NOT NULL REFERENCES products (id),
        unit_price numeric NOT NULL CHECK (unit_price >= 0),
        effective_from date NOT NULL,
        set_by text NOT NULL,
        set_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX price_history_effective ON price_history (price_list_id, product_id, effective_from DESC, id DESC)`);
    // Backfilled before row-level security is on: the migration reads every tenant's prices.
    await q.query(`
      INSERT INTO price_history (tenant_id, price_list_id, product_id, unit_price, effective_from, set_by)
      SELECT tenant_id, price_list_id, product_id, unit_price, '-infinity', 'migration' FROM price_list_items`);
    await enableTenantIsolation(q, 'price_history');

    await q.query(`ALTER TABLE quotes DROP CONSTRAINT quotes_status_check`);
    await q.query(`ALTER TABLE quotes ADD CONSTRAINT quotes_status_check CHECK (status IN ('draft', 'sent', 'accepted', 'declined', 'superseded'))`);
    await q.query(`
      ALTER TABLE quotes
        ADD COLUMN version int NOT NULL DEFAULT 1,
        ADD COLUMN root_id uuid REFERENCES quotes (id),
        ADD COLUMN supersedes_id uuid REFERENCES quotes (id),
        ADD COLUMN superseded_by_id uuid REFERENCES quotes (id),
        ADD COLUMN superseded_at timestamptz,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`CREATE UNIQUE INDEX quotes_one_revision ON quotes (supersedes_id) WHERE supersedes_id IS NOT NULL`);
    await q.query(`CREATE INDEX quotes_root ON quotes (tenant_id, root_id) WHERE root_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX quotes_root`);
    await q.query(`DROP INDEX quotes_one_revision`);
    await q.query(`ALTER TABLE quotes DROP COLUMN version, DROP COLUMN root_id, DROP COLUMN supersedes_id, DROP COLUMN superseded_by_id, DROP COLUMN superseded_at, DROP COLUMN updated_at`);
    await q.query(`ALTER TABLE quotes DROP CONSTRAINT quotes_status_check`);
    await q.query(`ALTER TABLE quotes ADD CONSTRAINT quotes_status_check CHECK (status IN ('draft', 'sent', 'accepted', 'declined'))`);
    await q.query(`DROP TABLE price_history`);
    await q.query(`ALTER TABLE tasks DROP COLUMN remind_minutes_before, DROP COLUMN recurrence, DROP COLUMN series_start, DROP COLUMN occurrence, DROP COLUMN previous_id, DROP COLUMN updated_at`);
    await q.query(`DROP INDEX commission_entries_reversal`);
    await q.query(`DROP INDEX commission_entries_source`);
    await q.query(`DELETE FROM commission_entries WHERE reversal_of IS NOT NULL`);
    await q.query(`ALTER TABLE commission_entries DROP COLUMN reversal_of, DROP COLUMN reversed_at`);
    await q.query(`CREATE UNIQUE INDEX commission_entries_source ON commission_entries (tenant_id, source_kind, source_id, coalesce(line_id, '00000000-0000-0000-0000-000000000000'))`);
    await q.query(`ALTER TABLE deals DROP COLUMN archived_at, DROP COLUMN archived_by`);
    await q.query(`DROP TABLE stage_probability_history`);
    await q.query(`DROP INDEX stages_active_position`);
    await q.query(`ALTER TABLE stages DROP COLUMN archived_at, DROP COLUMN archived_by, ADD UNIQUE (pipeline_id, position)`);
  }
}
