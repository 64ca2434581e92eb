import { DataSource, type MixedList, type EntitySchema } from 'typeorm';

export interface DataSourceOptions {
  url: string;
  schema: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  poolSize: number;
  /** A second pool for the reads of query operations (default true; DB_READ_SESSIONS). */
  readPool?: boolean;
  applicationName: string;
  /** How long a unit of work waits for a pooled connection before failing with a retryable error. */
  acquireTimeoutMs?: number;
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
    // Two pools on the same database: `master` for everything that writes or runs outside a request,
    // `slave` only for the reads of GraphQL query operations (kernel/read-session.ts), whose
    // connections keep a tenant bound between checkouts. defaultMode keeps TypeORM's own SELECTs on
    // master, so nothing reaches the read pool without binding its connection first. Both pools
    // take `extra` (size, search_path). Without it, the reads share a transaction (request-tx.ts).
    ...(o.readPool === false ? {} : { replication: { master: { url: o.url }, slaves: [{ url: o.url }], defaultMode: 'master' as const } }),
    // jit=off: a CRM's statements are interactive; the planner JIT-compiles the ones it cannot
    // estimate (possible duplicates' CTE self-joins: seconds of compiling for a sub-second run).
    extra: { max: o.poolSize, connectionTimeoutMillis: o.acquireTimeoutMs ?? 10_000, options: `-c search_path=${o.schema},public -c jit=off` },
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
    // A module login (db roles) owns its schema but may not create schemas: `crm db init` made it.
    // CREATE SCHEMA IF NOT EXISTS would check that privilege even when the schema exists.
    const [{ exists }] = await ds.query(`SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1) AS exists`, [schema]);
    if (!exists) {
      await ds.query(`CREATE SCHEMA "${schema}"`).catch((err: Error) => {
        throw new Error(`schema "${schema}" does not exist and this login may not create it (${err.message}): create the module's roles and schema first (crm db init)`);
      });
    }
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await lock.end().catch(() => undefined); // ends the session, which releases the lock
  }
}



