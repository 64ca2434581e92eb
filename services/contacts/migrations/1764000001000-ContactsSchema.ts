import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from '@crm/platform';

export class ContactsSchema1764000001000 implements MigrationInterface {
  name = 'ContactsSchema1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE companies (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        domains text[] NOT NULL DEFAULT '{}',
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX companies_name ON companies (tenant_id, lower(name))`);
    await q.query(`
      CREATE TABLE contacts (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        first_name text,
        last_name text,
        display_name text NOT NULL,
        company_id uuid REFERENCES companies (id),
        owner_id text,
        lifecycle_stage text,
        source jsonb,
        tags text[] NOT NULL DEFAULT '{}',
        preferred_channels text[] NOT NULL DEFAULT '{}',
        custom_fields jsonb NOT NULL DEFAULT '{}',
        addresses jsonb NOT NULL DEFAULT '[]',
        search_text text NOT NULL DEFAULT '',
        search tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED,
        import_key text,
        merged_into uuid,
        erased_at timestamptz,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX contacts_import_key ON contacts (tenant_id, import_key) WHERE import_key IS NOT NULL`);
    await q.query(`CREATE INDEX contacts_created ON contacts (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX contacts_updated ON contacts (tenant_id, updated_at DESC, id DESC)`);
    await q.query(`CREATE INDEX contacts_last_name ON contacts (tenant_id, lower(coalesce(last_name, '')), id)`);
    await q.query(`CREATE INDEX contacts_display_name ON contacts (tenant_id, lower(display_name), id)`);
    await q.query(`CREATE INDEX contacts_company ON contacts (tenant_id, company_id)`);
    await q.query(`CREATE INDEX contacts_search ON contacts USING gin (search)`);
    await q.query(`CREATE INDEX contacts_tags ON contacts USING gin (tags)`);
    await q.query(`
      CREATE TABLE contact_emails (
        tenant_id text NOT NULL,
        normalized text NOT NULL,
        email text NOT NULL,
        contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        is_primary boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, normalized)
      )`);
    await q.query(`CREATE INDEX contact_emails_contact ON contact_emails (contact_id)`);
    await q.query(`
      CREATE TABLE contact_phones (
        tenant_id text NOT NULL,
        e164 text NOT NULL,
        phone text NOT NULL,
        contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        is_primary boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, e164)
      )`);
    await q.query(`CREATE INDEX contact_phones_contact ON contact_phones (contact_id)`);
    await q.query(`
      CREATE TABLE consents (
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        channel text NOT NULL,
        status text NOT NULL CHECK (status IN ('granted', 'withdrawn')),
        legal_basis text,
        source text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (contact_id, channel)
      )`);
    await q.query(`
      CREATE TABLE custom_field_definitions (
        tenant_id text NOT NULL,
        key text NOT NULL,
        label text NOT NULL,
        type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'boolean', 'enum')),
        options text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
      )`);
    await q.query(`
      CREATE TABLE interactions (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        contact_id uuid NOT NULL,
        kind text NOT NULL,
        summary text NOT NULL,
        body text,
        occurred_at timestamptz NOT NULL,
        actor_id text,
        source_module text NOT NULL DEFAULT 'contacts',
        source_event_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX interactions_contact ON interactions (tenant_id, contact_id, occurred_at DESC, id DESC)`);
    await q.query(`CREATE UNIQUE INDEX interactions_source_event ON interactions (tenant_id, source_event_id) WHERE source_event_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE contact_merges (
        tenant_id text NOT NULL,
        survivor_id uuid NOT NULL,
        duplicate_id uuid NOT NULL PRIMARY KEY,
        merged_by text,
        merged_at timestamptz NOT NULL DEFAULT now(),
        duplicate_snapshot jsonb
      )`);
    await q.query(`
      CREATE TABLE import_jobs (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        file_name text,
        status text NOT NULL,
        total_rows int NOT NULL DEFAULT 0,
        created int NOT NULL DEFAULT 0,
        skipped int NOT NULL DEFAULT 0,
        failed int NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]',
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    for (const t of ['companies', 'contacts', 'contact_emails', 'contact_phones', 'consents', 'custom_field_definitions', 'interactions', 'contact_merges', 'import_jobs']) {
      await enableTenantIsolation(q, t);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['import_jobs', 'contact_merges', 'interactions', 'custom_field_definitions', 'consents', 'contact_phones', 'contact_emails', 'contacts', 'companies']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
