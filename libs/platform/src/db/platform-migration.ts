import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from '../kernel/tx';

/**
 * SQL helpers shared by service migrations. Tables are created unqualified: the data source's
 * search_path puts the service schema first.
 */
export async function currentSchema(q: QueryRunner): Promise<string> {
  const [{ s }] = await q.query('SELECT current_schema() AS s');
  return s;
}

/** Row-level security bound to `app.tenant_id`; FORCE so the owning role is bound too. */
export async function enableTenantIsolation(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await q.query(
    `CREATE POLICY tenant_isolation ON ${table} USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`,
  );
}

/**
 * Outbox, inbox and the app role. Outbox/inbox are not tenant-bound (the relay and consumer
 * infrastructure sweep all tenants), so they are not under RLS and run as the owner.
 */
export class PlatformTables1764000000000 implements MigrationInterface {
  name = 'PlatformTables1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const schema = await currentSchema(q);
    await q.query(`DO $$ BEGIN CREATE ROLE ${APP_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    await q.query(`DO $$ BEGIN EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user); EXCEPTION WHEN OTHERS THEN NULL; END $$`);
    await q.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${APP_ROLE}`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}`);
    await q.query(`
      CREATE TABLE outbox (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        topic text NOT NULL,
        key text NOT NULL,
        type text NOT NULL,
        tenant_id text NOT NULL,
        payload jsonb NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL`);
    await q.query(`
      CREATE TABLE inbox (
        consumer text NOT NULL,
        event_id text NOT NULL,
        event_type text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON outbox, inbox TO ${APP_ROLE}`);
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE outbox_seq_seq TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE inbox');
    await q.query('DROP TABLE outbox');
  }
}
