/** Anything that runs SQL: a DataSource, an EntityManager, a pg Client (schema on search_path). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>;
}

export interface OutboxStats {
  /** Unpublished rows that are not parked (including rows held behind a parked row of their aggregate). */
  backlog: number;
  /** Parked rows (`failed_at` set): the broker refused them; they wait for `crm outbox retry`. */
  parked: number;
  /** Age of the oldest unpublished, non-parked row; 0 when there is none. */
  oldestAgeSeconds: number;
}

/**
 * The outbox as it is, for the gauges. Cheap on a big table: both counts are index-only scans of
 * partial indexes (outbox_unpublished, outbox_parked) and the oldest row is the first entry of
 * outbox_unpublished that is not parked.
 */
export async function outboxStats(q: Queryable): Promise<OutboxStats> {
  const [r] = await q.query(`
    SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)::bigint AS unpublished,
           (SELECT count(*) FROM outbox WHERE published_at IS NULL AND failed_at IS NOT NULL)::bigint AS parked,
           (SELECT extract(epoch FROM clock_timestamp() - created_at) FROM outbox
             WHERE published_at IS NULL AND failed_at IS NULL ORDER BY seq LIMIT 1)::float8 AS oldest`);
  const parked = Number(r.parked);
  return { backlog: Number(r.unpublished) - parked, parked, oldestAgeSeconds: Math.max(0, Number(r.oldest ?? 0)) };
}

/**
 * An outbox row `o` the relay may publish now: not published, not parked, and not behind a parked
 * row of the same aggregate (topic + key) — see the ordering choice at OutboxRelay.
 */
export const READY_OUTBOX_ROW = `o.published_at IS NULL AND o.failed_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM outbox f WHERE f.published_at IS NULL AND f.failed_at IS NOT NULL
                   AND f.topic = o.topic AND f.key = o.key AND f.seq < o.seq)`;

export interface OutboxProgress {
  /** Age of the oldest row the relay could publish now (not parked, not held behind a parked row); null if none. */
  headAgeSeconds: number | null;
  /** Seconds since a relay last published or parked a row. */
  sinceProgressSeconds: number;
}

/**
 * The head of the relay's queue and the relay's last progress (outbox_relay, written by whichever
 * replica holds the relay lock). Rows held behind a parked row are not "waiting" here: parking is
 * reported by crm_outbox_failed, and must not take the whole service out of rotation.
 */
export async function outboxProgress(q: Queryable): Promise<OutboxProgress> {
  const [r] = await q.query(`
    SELECT (SELECT extract(epoch FROM clock_timestamp() - o.created_at) FROM outbox o
             WHERE ${READY_OUTBOX_ROW}
             ORDER BY o.seq LIMIT 1)::float8 AS head,
           (SELECT extract(epoch FROM clock_timestamp() - progressed_at) FROM outbox_relay)::float8 AS progress`);
  return { headAgeSeconds: r.head == null ? null : Number(r.head), sinceProgressSeconds: Number(r.progress ?? Infinity) };
}

/** Stalled: a row has waited longer than `stallSeconds` and no relay has made progress for as long. */
export function isStalled(p: OutboxProgress, stallSeconds: number): boolean {
  return p.headAgeSeconds != null && p.headAgeSeconds > stallSeconds && p.sinceProgressSeconds > stallSeconds;
}
