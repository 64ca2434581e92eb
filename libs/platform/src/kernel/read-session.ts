import type { DataSource, QueryRunner } from 'typeorm';
import { APP_ROLE_SQL } from './tx';

/**
 * The tenant each read-pool connection is bound to. A connection enters the map only once its
 * binding statement succeeded; one whose binding failed is destroyed, never returned to the pool.
 */
const boundTenant = new WeakMap<object, string>();

/**
 * Binds a read-pool connection for its whole session: the tenant (row-level security), the
 * RLS-bound app role, and read-only, so a write reaching it fails instead of committing.
 */
const BIND_SESSION = `SELECT set_config('app.tenant_id', $1, false), set_config('role', ${APP_ROLE_SQL}, false), set_config('default_transaction_read_only', 'on', false)`;

/**
 * A connection of the service's read pool (data-source.ts), bound to `tenantId` for its session.
 *
 * Why not a transaction: a query operation's reads used to pay BEGIN + binding and COMMIT around
 * their statements — two of the five or six round trips a subgraph made per customer-360 request,
 * each one a socket write in the service and a statement in Postgres (bench/README.md, session 10).
 * Here the binding is a session setting that stays on the connection; the next checkout for the same
 * tenant sends nothing but its statements, and a checkout for another tenant rebinds first. The
 * statements run in autocommit: under READ COMMITTED a transaction gave each statement its own
 * snapshot anyway, so the reads see what they saw before.
 *
 * Safe because the read pool is used by nothing else: every connection in it is either new (no
 * binding: rebound here before any statement) or bound by this function, and read-only. Writes,
 * events, consumers, schedulers and migrations use the other pool, whose connections never keep a
 * binding (tx.ts binds per transaction). Not safe behind a pooler in transaction mode, which hands
 * each statement any server connection: there DB_READ_SESSIONS=false turns the read pool off and the
 * reads share a read-only transaction (request-tx.ts).
 */
export async function openReadSession(ds: DataSource, tenantId: string): Promise<QueryRunner> {
  // Never bind a session on the write pool (obtainSlaveConnection falls back to it).
  if (!hasReadPool(ds)) throw new Error('this DataSource has no read pool (DB_READ_SESSIONS=false, or not made by createDataSource)');
  const qr = ds.createQueryRunner('slave');
  await qr.connect();
  const client = (qr as unknown as { databaseConnection: { pipeline: boolean } }).databaseConnection;
  if (boundTenant.get(client) === tenantId) return qr;
  boundTenant.delete(client);
  try {
    await qr.query(BIND_SESSION, [tenantId]);
  } catch (err) {
    await releaseReadSession(qr, err);
    throw err;
  }
  boundTenant.set(client, tenantId);
  // Pipelined (pg's pipeline mode): a request's concurrent reads — a contact's deals, orders and
  // lifetime value — are written to the connection at once instead of each waiting for the one
  // before to come back (bench/README.md, session 18). Safe here and only here: every statement is
  // autocommit and carries its own Sync, so a failing one fails alone, and nothing on this pool
  // streams with a cursor or COPY (pipeline mode refuses those). The write pool stays sequential.
  // Set when the connection is bound, which every connection is before its first read.
  client.pipeline = true;
  return qr;
}

/** Returns the connection to the read pool with its binding; `err` destroys it instead. */
export async function releaseReadSession(qr: QueryRunner, err?: unknown): Promise<void> {
  if (!err) return qr.release();
  // TypeORM's Postgres runner hands this error to pg's release, which destroys the client.
  await (qr as unknown as { releasePostgresConnection(e: Error): Promise<void> }).releasePostgresConnection(err instanceof Error ? err : new Error(String(err)));
}

/** Is this DataSource's read pool separate from its write pool (data-source.ts)? Bound sessions must never reach the write pool. */
export function hasReadPool(ds: DataSource): boolean {
  return ((ds.driver as unknown as { slaves?: unknown[] }).slaves?.length ?? 0) > 0;
}
