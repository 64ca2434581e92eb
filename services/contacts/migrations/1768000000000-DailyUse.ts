import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from '@crm/platform';

/**
 * Issue 10 §1 for contacts: archive (soft delete) of contacts, the B2B fields of companies and
 * their merge tombstones, and the edit/delete trail of timeline entries (kept in the row until
 * the audit trail exists).
 */
export class DailyUse1768000000000 implements MigrationInterface {
  name = 'DailyUse1768000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts ADD COLUMN archived_at timestamptz, ADD COLUMN archived_by text`);
    // The order the user gave to a contact's further emails and phones (the primary one comes first anyway).
    await q.query(`ALTER TABLE contact_emails ADD COLUMN position int NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE contact_phones ADD COLUMN position int NOT NULL DEFAULT 0`);
    await q.query(`
      ALTER TABLE companies
        ADD COLUMN legal_name text,
        ADD COLUMN industry text,
        ADD COLUMN size text,
        ADD COLUMN address jsonb,
        ADD COLUMN vat_id text,
        ADD COLUMN owner_id text,
        ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
        ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN merged_into uuid`);
    // A merged company keeps its name as a tombstone; the name is free again for a new company.
    await q.query(`DROP INDEX companies_name`);
    await q.query(`CREATE UNIQUE INDEX companies_name ON companies (tenant_id, lower(name)) WHERE merged_into IS NULL`);
    await q.query(`CREATE INDEX companies_domains ON companies USING gin (domains)`);
    await q.query(`
      CREATE TABLE company_merges (
        tenant_id text NOT NULL,
        survivor_id uuid NOT NULL,
        duplicate_id uuid NOT NULL PRIMARY KEY,
        merged_by text,
        merged_at timestamptz NOT NULL DEFAULT now(),
        moved_contacts int NOT NULL DEFAULT 0
      )`);
    await enableTenantIsolation(q, 'company_merges');
    await q.query(`
      ALTER TABLE interactions
        ADD COLUMN edited_at timestamptz,
        ADD COLUMN edited_by text,
        ADD COLUMN deleted_at timestamptz,
        ADD COLUMN deleted_by text,
        ADD COLUMN edit_history jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE interactions DROP COLUMN edit_history, DROP COLUMN deleted_by, DROP COLUMN deleted_at, DROP COLUMN edited_by, DROP COLUMN edited_at`);
    await q.query(`DROP TABLE company_merges`);
    await q.query(`DROP INDEX companies_domains`);
    await q.query(`DROP INDEX companies_name`);
    await q.query(`CREATE UNIQUE INDEX companies_name ON companies (tenant_id, lower(name))`);
    await q.query(`ALTER TABLE companies DROP COLUMN merged_into, DROP COLUMN custom_fields, DROP COLUMN tags, DROP COLUMN owner_id, DROP COLUMN vat_id, DROP COLUMN address, DROP COLUMN size, DROP COLUMN industry, DROP COLUMN legal_name`);
    await q.query(`ALTER TABLE contact_phones DROP COLUMN position`);
    await q.query(`ALTER TABLE contact_emails DROP COLUMN position`);
    await q.query(`ALTER TABLE contacts DROP COLUMN archived_by, DROP COLUMN archived_at`);
  }
}
