import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQL helpers shared by service migrations. Tables are created unqualified: the data source's
 * search_path puts the service schema first.
 */
export async function currentSchema(q: QueryRunner): Promise<string> {
  const [{ s }] = await q.query('SELECT current_schema() AS s');
  return s;
}

/**
 * The role tenant-bound transactions run as: `<login>_app` (see db/roles.ts), quoted for SQL.
 * Migrations grant table privileges to it.
 */
export async function appRole(q: QueryRunner): Promise<string> {
  const [{ r }] = await q.query(`SELECT quote_ident(session_user || '_app') AS r`);
  return r;
}

/**
 * Row-level security for a table the service sweeps across tenants (outbox, inbox, scheduler
 * queues). Two permissive policies:
 * - `tenant_isolation` (when the table has a tenant_id): a tenant-bound transaction sees and writes
 *   its own tenant's rows only, as on every tenant table;
 * - `cross_tenant_sweep`: the module's login itself (current_user = session_user, i.e. not switched
 *   to the app role) with no tenant bound sees every row. That is exactly how the relay, the purges
 *   and the schedulers run (plain pool connections, no tenant binding), and never how request or
 *   event-handler code runs: `RESET ROLE` inside a tenant transaction gives back the login but
 *   `app.tenant_id` stays bound, so it still sees one tenant.
 * FORCE: the login owns the table and must be bound too.
 */
export async function enableCrossTenantSweep(q: QueryRunner, table: string, opts: { tenantColumn: boolean }): Promise<void> {
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  if (opts.tenantColumn) {
    await q.query(
      `CREATE POLICY tenant_isolation ON ${table} USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`,
    );
  }
  await q.query(`CREATE POLICY cross_tenant_sweep ON ${table} USING (current_user = session_user AND coalesce(current_setting('app.tenant_id', true), '') = '')`);
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
 * Outbox, inbox and the app role's default privileges. Row-level security on outbox and inbox comes
 * in PlatformLeastPrivilege1764000000700. The app role itself is created by `crm db init` (the
 * module login cannot create roles); a superuser login (the older layout) still gets one here.
 */
export class PlatformTables1764000000000 implements MigrationInterface {
  name = 'PlatformTables1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const schema = await currentSchema(q);
    await q.query(`DO $$ DECLARE r text := session_user || '_app'; BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
        BEGIN
          EXECUTE format('CREATE ROLE %I NOLOGIN', r);
          EXECUTE format('GRANT %I TO %I', r, session_user);
        EXCEPTION WHEN insufficient_privilege THEN
          RAISE EXCEPTION 'role % does not exist: create the module roles first (crm db init)', r;
        END;
      END IF;
    END $$`);
    const APP_ROLE = await appRole(q);
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

/**
 * Least privilege for the platform tables (issue 6 §4): the outbox holds every tenant's event
 * payloads, so a tenant-bound transaction must not read other tenants' rows; the inbox holds no
 * tenant column and is only ever touched outside a tenant binding (the consumer records event ids
 * before binding the handler's tenant; the purge sweeps), so the app role gets no access to it at
 * all and only the unbound login passes its policy.
 */
export class PlatformLeastPrivilege1764000000700 implements MigrationInterface {
  name = 'PlatformLeastPrivilege1764000000700';

  async up(q: QueryRunner): Promise<void> {
    await enableCrossTenantSweep(q, 'outbox', { tenantColumn: true });
    await enableCrossTenantSweep(q, 'inbox', { tenantColumn: false });
    await q.query(`REVOKE ALL ON inbox FROM ${await appRole(q)}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON inbox TO ${await appRole(q)}`);
    for (const t of ['inbox', 'outbox']) {
      await q.query(`DROP POLICY IF EXISTS cross_tenant_sweep ON ${t}`);
      await q.query(`DROP POLICY IF EXISTS tenant_isolation ON ${t}`);
      await q.query(`ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${t} DISABLE ROW LEVEL SECURITY`);
    }
  }
}
