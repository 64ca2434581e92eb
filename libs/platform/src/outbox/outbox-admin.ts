import { Client } from 'pg';
import type { Queryable } from './outbox-stats';
import { outboxChannel } from './outbox-writer';

/** What an operator needs to judge a parked outbox row (`crm outbox failed`). */
export interface ParkedOutboxRow {
  seq: string;
  topic: string;
  key: string;
  type: string;
  tenantId: string;
  bytes: number;
  createdAt: Date;
  failedAt: Date;
  failures: number;
  error: string;
  /** Later events of the same aggregate waiting behind this one (kept back for per-key order). */
  held: number;
}

const ident = (schema: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
  return `"${schema}"`;
};

/** True when the schema has an outbox with parking (the service ran its migrations). */
export async function hasOutbox(q: Queryable, schema: string): Promise<boolean> {
  const [r] = await q.query(
    `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'outbox' AND column_name = 'failed_at') AS ok`,
    [schema],
  );
  return !!r.ok;
}

/** Parked rows of one service's outbox, oldest first. */
export async function listParkedOutbox(q: Queryable, schema: string): Promise<ParkedOutboxRow[]> {
  const s = ident(schema);
  const rows = await q.query(
    `SELECT f.seq, f.topic, f.key, f.type, f.tenant_id, octet_length(f.payload::text) AS bytes, f.created_at, f.failed_at, f.failures, f.error,
            (SELECT count(*) FROM ${s}.outbox o WHERE o.published_at IS NULL AND o.failed_at IS NULL AND o.topic = f.topic AND o.key = f.key AND o.seq > f.seq)::int AS held
       FROM ${s}.outbox f WHERE f.published_at IS NULL AND f.failed_at IS NOT NULL ORDER BY f.seq`,
  );
  return rows.map((r: any) => ({
    seq: String(r.seq),
    topic: r.topic,
    key: r.key,
    type: r.type,
    tenantId: r.tenant_id,
    bytes: Number(r.bytes),
    createdAt: r.created_at,
    failedAt: r.failed_at,
    failures: Number(r.failures),
    error: r.error ?? '',
    held: Number(r.held),
  }));
}

/**
 * Puts parked rows back in the relay's queue (`'all'`, or the given seqs) and wakes the relay; a row
 * the broker still refuses is parked again. Returns the seqs released.
 */
export async function retryParkedOutbox(q: Queryable, schema: string, which: string[] | 'all'): Promise<string[]> {
  const s = ident(schema);
  const rows = await q.query(
    `WITH released AS (
       UPDATE ${s}.outbox SET failed_at = NULL, error = NULL
        WHERE published_at IS NULL AND failed_at IS NOT NULL AND ($1::bigint[] IS NULL OR seq = ANY($1::bigint[]))
        RETURNING seq)
     SELECT seq, pg_notify($2, '') FROM released ORDER BY seq`,
    [which === 'all' ? null : which, outboxChannel(schema)],
  );
  return rows.map((r: { seq: string }) => String(r.seq));
}

/**
 * Deletes parked rows for good: the event is never published (consumers never see it) and the
 * aggregate's held events go out. For an event that can never fit the broker, after deciding
 * that its consumers can do without it. Returns the seqs deleted.
 */
export async function discardParkedOutbox(q: Queryable, schema: string, seqs: string[]): Promise<string[]> {
  const s = ident(schema);
  const rows = await q.query(
    `WITH gone AS (DELETE FROM ${s}.outbox WHERE published_at IS NULL AND failed_at IS NOT NULL AND seq = ANY($1::bigint[]) RETURNING seq)
     SELECT seq, pg_notify($2, '') FROM gone ORDER BY seq`,
    [seqs, outboxChannel(schema)],
  );
  return rows.map((r: { seq: string }) => String(r.seq));
}

/** One short-lived connection for an admin command (`crm outbox …`). */
export async function withAdminConnection<T>(databaseUrl: string, fn: (q: Queryable) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'crm-outbox-admin' });
  await client.connect();
  try {
    return await fn({ query: async (sql: string, params?: unknown[]) => (await client.query(sql, params as unknown[])).rows });
  } finally {
    await client.end().catch(() => undefined);
  }
}
