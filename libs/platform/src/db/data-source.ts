import { DataSource, type EntityManager, type MixedList, type EntitySchema } from 'typeorm';

export interface DataSourceOptions {
  url: string;
  schema: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  poolSize: number;
  applicationName: string;
}

/**
 * One schema per service; search_path puts it first so hand-written SQL needs no qualifier.
 * Never `synchronize`: the schema changes only through migrations.
 */
export function createDataSource(o: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: o.entities,
    migrations: o.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    applicationName: o.applicationName,
    extra: { max: o.poolSize, options: `-c search_path=${o.schema},public` },
  });
}

/**
 * Creates the schema (migrations live inside it) and runs pending migrations. Replicas (or a
 * `crm migrate` job and a replica) starting together on a fresh schema would race: both find no
 * migrations table, both create it and run the first migration, one fails. A session-level advisory
 * lock keyed by the schema makes them take turns; the later one finds nothing pending. It is held on
 * a dedicated connection outside the pool (a pool of one must still run the migrations) and goes
 * with that connection if the process dies.
 */
export async function migrate(ds: DataSource, schema: string): Promise<string[]> {
  const url = (ds.options as { url?: string }).url;
  if (!url) throw new Error('migrate() needs a data source created with a url (createDataSource)');
  const { Client } = await import('pg');
  const lock = new Client({ connectionString: url, application_name: `crm-migrate-lock:${schema}` });
  lock.on('error', () => undefined); // a lost lock connection surfaces in the next query, not as a crash
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [`crm.migrate:${schema}`]);
    await ds.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await lock.end().catch(() => undefined); // ends the session, which releases the lock
  }
}

/** Role that tenant-scoped transactions switch to, so row-level security applies even to an owner/superuser login. */
export const APP_ROLE = 'crm_app';

/**
 * Runs `fn` in a transaction bound to one tenant: `app.tenant_id` is set for the transaction and the
 * role is switched to the RLS-bound app role, so Postgres itself refuses other tenants' rows.
 */
export async function withTenant<T>(ds: DataSource, tenantId: string, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  const literal = sqlLiteral(tenantId);
  if (literal === null) {
    return ds.transaction(async (m) => {
      await bindTenant(m, tenantId);
      return fn(m);
    });
  }
  // Hot path: BEGIN and the tenant binding travel in one round trip (a simple-protocol batch).
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query(`BEGIN; SELECT set_config('app.tenant_id', ${literal}, true), set_config('role', '${APP_ROLE}', true)`);
    try {
      const out = await fn(qr.manager);
      await qr.query('COMMIT');
      return out;
    } catch (err) {
      await qr.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    await qr.release();
  }
}

/**
 * A string as an SQL literal, or null when it holds characters we do not inline (then the caller
 * uses a bind parameter). Safe with standard_conforming_strings (the default since PostgreSQL 9.1).
 */
function sqlLiteral(value: string): string | null {
  if (/[\\\0]/.test(value) || value.length > 200) return null;
  return `'${value.replace(/'/g, "''")}'`;
}

export async function bindTenant(m: EntityManager, tenantId: string): Promise<void> {
  await m.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', '${APP_ROLE}', true)`, [tenantId]);
}
