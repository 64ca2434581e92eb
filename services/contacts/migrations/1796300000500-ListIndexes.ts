import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11: the contacts list stays fast whatever the planner's statistics say (never analyzed
 * after a bulk import, or analyzed when the tables were nearly empty).
 *
 * - The list's emails and phones are read per listed contact (`contact_id = c.id`) and row-level
 *   security adds `tenant_id = current_setting('app.tenant_id')`. With an index on `contact_id`
 *   alone and the primary key led by `tenant_id`, a planner without statistics (0.5 % per
 *   equality) AND-ed both bitmaps: every listed contact scanned all of the tenant's primary-key
 *   entries (100,000 at 100k contacts; 3.4 s for a page of 50). One index on (contact_id,
 *   tenant_id) answers both predicates, so no combination can look cheaper; `contact_id` leads,
 *   so the foreign key's cascades still use it.
 * - The list's orderings get partial indexes on the active contacts (what every list query
 *   selects: not merged, not erased, not archived). Without statistics the planner took the
 *   smallest index led by `tenant_id` (the owner's), read the tenant's 100,000 rows and sorted
 *   them; with the list's predicates implied by the index, the ordered index scan that stops after
 *   the page is the cheapest plan with any statistics. They replace the full indexes, which only
 *   the list used (the archived list, small, is sorted).
 */
export class ListIndexes1796300000500 implements MigrationInterface {
  name = 'ListIndexes1796300000500';

  async up(q: QueryRunner): Promise<void> {
    for (const t of ['contact_emails', 'contact_phones']) {
      await q.query(`CREATE INDEX ${t}_contact_tenant ON ${t} (contact_id, tenant_id)`);
      await q.query(`DROP INDEX ${t}_contact`);
    }
    for (const [name, columns] of ORDERINGS) {
      await q.query(`CREATE INDEX contacts_active_${name} ON contacts (${columns}) WHERE ${ACTIVE}`);
      await q.query(`DROP INDEX contacts_${name}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name, columns] of ORDERINGS) {
      await q.query(`CREATE INDEX contacts_${name} ON contacts (${columns})`);
      await q.query(`DROP INDEX contacts_active_${name}`);
    }
    for (const t of ['contact_emails', 'contact_phones']) {
      await q.query(`CREATE INDEX ${t}_contact ON ${t} (contact_id)`);
      await q.query(`DROP INDEX ${t}_contact_tenant`);
    }
  }
}

const ACTIVE = 'merged_into IS NULL AND erased_at IS NULL AND archived_at IS NULL';
const ORDERINGS: [string, string][] = [
  ['created', 'tenant_id, created_at DESC, id DESC'],
  ['updated', 'tenant_id, updated_at DESC, id DESC'],
  ['last_name', "tenant_id, lower(coalesce(last_name, '')), id"],
  ['display_name', 'tenant_id, lower(display_name), id'],
];
