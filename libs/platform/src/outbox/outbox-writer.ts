import type { SqlRunner } from '../db/sql';
import { MAX_EVENT_BYTES, validateEvent, type CloudEvent } from '@crm/events';
import { badUserInput } from '../errors';
import { queryPrepared } from '../kernel/tx';

export interface OutboxEntry {
  event: CloudEvent;
  topic: string;
}

/** NOTIFY channel of a schema's outbox; the relay LISTENs on it. */
export const outboxChannel = (schema: string) => `${schema}_outbox`;

/** The outbox write, with the NOTIFY ($8 the channel) or without it (then $8 is only echoed); built once each (prepared statements, named by their text). */
const appendSql = (notify: boolean) => `WITH written AS (
     INSERT INTO outbox (id, topic, key, type, tenant_id, payload, headers)
     SELECT u.id, u.topic, u.key, u.type, u.tenant_id, $6::jsonb -> (u.n - 1)::int, u.headers
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $7::jsonb[]) WITH ORDINALITY AS u(id, topic, key, type, tenant_id, headers, n)
     RETURNING 1)
   SELECT ${notify ? `pg_notify($8, '')` : '$8::text'}, (SELECT count(*) FROM written) AS n`;
const APPEND_AND_NOTIFY = appendSql(true);
const APPEND = appendSql(false);

/**
 * Writes events into the outbox inside the caller's transaction: the event exists iff the state
 * change committed. Validates each event against its contract first (publisher side).
 */
export class OutboxWriter {
  constructor(private readonly schema: string) {}

  /**
   * `notify: false` when the caller wakes the relay itself once the transaction has committed
   * (EventPublisher.committed): a NOTIFY makes Postgres serialise the commits of every notifying
   * transaction of the cluster (one global lock held through the WAL flush), which halved
   * createContact throughput under concurrency (bench/src/create-ceiling.ts).
   */
  async append(m: SqlRunner, entries: OutboxEntry[], opts: { notify: boolean } = { notify: true }): Promise<void> {
    if (!entries.length) return;
    // Each event is serialised once: the JSON that is measured is the JSON that is stored and published.
    const payloads = entries.map((e) => {
      validateEvent(e.event);
      const json = JSON.stringify(e.event);
      // An event the broker could never take must not enter the outbox: refuse the write instead,
      // and the caller's transaction rolls back with it (nothing changes).
      const bytes = Buffer.byteLength(json, 'utf8');
      if (bytes > MAX_EVENT_BYTES) {
        throw badUserInput(
          `event too large: ${e.event.type} for ${e.event.subject} would be ${bytes} bytes, above the limit of ${MAX_EVENT_BYTES} bytes per event; shorten the data (e.g. fewer or shorter tags, custom fields or text)`,
          { eventType: e.event.type, subject: e.event.subject, eventBytes: bytes, maxEventBytes: MAX_EVENT_BYTES },
        );
      }
      return json;
    });
    // One round trip: a multi-row insert via unnest (bulk paths write thousands of events per
    // transaction) and the NOTIFY, which Postgres delivers at commit and collapses per transaction.
    // The payloads travel as ONE JSON array, the n-th element for the n-th row: the serialised events
    // joined as they are. As a text[] parameter the driver would escape every quote of every payload
    // (0.6–2 s of Node CPU per 20,000 contact events, measured: bench/README.md, "Issue 11: the
    // import against COPY"); the database parses the same JSON either way.
    // Prepared (two texts: with and without the NOTIFY): every emitting transaction runs it, and
    // parsing and planning it cost more than running it for a single event (bench/README.md, session 13).
    await queryPrepared(
      m,
      opts.notify ? APPEND_AND_NOTIFY : APPEND,
      [
        entries.map((e) => e.event.id),
        entries.map((e) => e.topic),
        entries.map((e) => e.event.subject),
        entries.map((e) => e.event.type),
        entries.map((e) => e.event.tenantid),
        `[${payloads.join(',')}]`,
        entries.map((e) => JSON.stringify(e.event.traceparent ? { traceparent: e.event.traceparent } : {})),
        outboxChannel(this.schema),
      ],
    );
  }
}
