import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { cloudEventSchema, deadLetterTopic, validateEvent, type CloudEvent, DLT_HEADERS, withPrefix } from '@crm/events';
import type { EventBus, InboundMessage, Subscription } from '../bus/event-bus';
import { bindTenant, lockTenantsShared, Tx, type TxEmitter, type TxReads } from '../kernel/tx';
import { currentActor, withCauseActor, withEventTrace } from '../auth/context-store';
import type { ServiceMetrics } from '../metrics';

/**
 * Gets the event and the transaction its inbox row is written in, bound to the event's tenant. A
 * handler must not change the binding (`role`, `app.*` settings): the next events of a run with the
 * same tenant and actor share it.
 */
export type EventHandler = (event: CloudEvent<any>, tx: Tx) => Promise<void>;

/**
 * The engine under the event transport (transport/crm-event-transport.ts), which builds one spec per
 * consumer controller; module code declares handlers with `@EventConsumer` / `@OnEvent`, not specs.
 */
export interface ConsumerSpec extends ConsumerOptions {
  /** Consumer group id and inbox key, e.g. "sales.contact-replica". */
  name: string;
  topics: string[];
  /** Handlers by event type; other types are acknowledged and skipped. */
  handlers: Record<string, EventHandler>;
}

/** How a consumer group retries, and what its runs lock first (`@EventConsumer(name, options)`). */
export interface ConsumerOptions {
  /** Attempts before an event that keeps failing is dead-lettered (default 3). */
  maxAttempts?: number;
  /** Pause before attempt n is (n − 1) × this (default 100 ms). */
  retryBackoffMs?: number;
  /**
   * Tenant locks (`Tx.lockTenant`) the handlers read under, e.g. configuration kept with `tx.once`
   * for a whole run: each run takes them shared before anything else, for every tenant of its
   * events (so it never waits for a writer while holding rows that writer needs).
   */
  tenantLocks?: readonly string[];
}

/**
 * Failures of the infrastructure, not of the event: the database restarting, failing over, refusing
 * connections, or this process shutting down. Retrying them later succeeds, so the event must be
 * redelivered, never dead-lettered (that would silently skip it).
 */
export function isTransientFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  const code = e?.code ?? '';
  if (/^(08|53|57P)/.test(code) || code === '40001' || code === '40P01') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end/i.test(e?.message ?? '');
}

type Outcome = 'applied' | 'duplicate';

/** The event whose handler a run is in (unset between handlers): the one to blame if the run fails there. */
type RunProgress = { handling?: string };

type Decoded = { kind: 'event'; event: CloudEvent } | { kind: 'skip' } | { kind: 'invalid'; error: Error };

/** Headers of a dead-lettered record (defined with the topics in @crm/events, where the catalogue documents them). */
export { DLT_HEADERS };

/**
 * Applies each event exactly once: the event id goes into the inbox in the same transaction as the
 * handler's writes, so a redelivered event finds its id and has no second effect. A failing event is
 * retried a few times in place (keeping per-key order), then dead-lettered with its error, and the
 * stream moves on. The handler runs bound to the event's tenant (row-level security applies).
 */
export class IdempotentConsumer {
  private subscription?: Subscription;

  constructor(
    private readonly ds: DataSource,
    private readonly bus: EventBus,
    private readonly spec: ConsumerSpec,
    private readonly log: Logger,
    private readonly metrics?: ServiceMetrics,
    /** Where events a handler emits go (`tx.emit`): the service's outbox. */
    private readonly emitter?: TxEmitter,
  ) {}

  async start(groupPrefix = ''): Promise<void> {
    await this.bus.ensureTopics([...this.spec.topics, ...this.spec.topics.map(deadLetterTopic)]);
    this.subscription = await this.bus.subscribe({
      groupId: withPrefix(groupPrefix, this.spec.name),
      topics: this.spec.topics,
      fromBeginning: true,
      handle: (msg) => this.handle(msg),
      handleBatch: (msgs, heartbeat) => this.handleBatch(msgs, heartbeat),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  /**
   * Types this consumer has no handler for are acknowledged without full validation: a newer
   * producer's `…v2` or a type this service does not care about is not poison.
   */
  private decode(msg: InboundMessage): Decoded {
    let json: unknown;
    try {
      json = JSON.parse(msg.value?.toString() ?? '');
    } catch (err) {
      return { kind: 'invalid', error: new Error(`message is not JSON: ${(err as Error).message}`) };
    }
    const envelope = cloudEventSchema.safeParse(json);
    if (envelope.success && !this.spec.handlers[envelope.data.type]) return { kind: 'skip' };
    try {
      return { kind: 'event', event: validateEvent(json) };
    } catch (err) {
      return { kind: 'invalid', error: err as Error };
    }
  }

  /**
   * Fast path: applies a run of messages in ONE transaction (one commit instead of one per event).
   * If anything in the run fails, nothing of it is kept and every message goes through `handle`
   * one by one, so retries and dead-lettering behave exactly as without batching: the handler that
   * failed the run has had its first attempt there, and gets only the rest.
   */
  async handleBatch(msgs: InboundMessage[], heartbeat?: () => Promise<void>): Promise<void> {
    if (msgs.length === 1) return this.handle(msgs[0], heartbeat);
    const decoded = msgs.map((msg) => ({ msg, d: this.decode(msg) }));
    const events = decoded.flatMap(({ d }) => (d.kind === 'event' ? [d.event] : []));
    let results: Outcome[] = [];
    const progress: RunProgress = {};
    try {
      const txs: Tx[] = [];
      if (events.length) results = await this.ds.transaction((m) => this.apply(m, events, txs, progress));
      for (const tx of txs) tx.afterCommit();
    } catch (err) {
      this.log.debug({ err, size: msgs.length }, 'batch failed; handling its events one by one');
      // With a single attempt, the event still gets one of its own (the run's failure may have come from another's writes).
      let blame = (this.spec.maxAttempts ?? 3) > 1 ? progress.handling : undefined;
      for (const { msg, d } of decoded) {
        const failedHere = d.kind === 'event' && d.event.id === blame;
        if (failedHere) blame = undefined; // once: a second copy of the id in the run is a duplicate
        await this.handle(msg, heartbeat, failedHere ? (err as Error) : undefined);
        await heartbeat?.();
      }
      return;
    }
    for (const r of results) this.metrics?.eventsConsumed.inc({ consumer: this.spec.name, result: r });
    for (const { msg, d } of decoded) if (d.kind === 'invalid') await this.deadLetter(msg, d.error, 0);
  }

  /** `firstAttempt`: how the event's handler already failed once, in a batch that was rolled back. */
  async handle(msg: InboundMessage, heartbeat?: () => Promise<void>, firstAttempt?: Error): Promise<void> {
    const d = this.decode(msg);
    // A message that does not satisfy its contract can never succeed: dead-letter at once.
    if (d.kind === 'invalid') return this.deadLetter(msg, d.error, 0);
    if (d.kind === 'skip') return;
    const event = d.event;
    const maxAttempts = this.spec.maxAttempts ?? 3;
    let lastError = firstAttempt;
    if (firstAttempt) this.log.warn({ err: firstAttempt, eventId: event.id, type: event.type, attempt: 1 }, 'event handler failed');
    for (let attempt = firstAttempt ? 2 : 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        await new Promise((r) => setTimeout(r, (this.spec.retryBackoffMs ?? 100) * (attempt - 1)));
        await heartbeat?.();
      }
      try {
        const txs: Tx[] = [];
        const [result] = await this.ds.transaction((m) => this.apply(m, [event], txs));
        for (const tx of txs) tx.afterCommit();
        this.metrics?.eventsConsumed.inc({ consumer: this.spec.name, result });
        return;
      } catch (err) {
        lastError = err as Error;
        this.log.warn({ err, eventId: event.id, type: event.type, attempt }, 'event handler failed');
      }
    }
    // The database (not the event) failed: hand the message back to the bus, which redelivers it
    // in order after a pause, instead of skipping it into the dead-letter topic.
    if (isTransientFailure(lastError)) throw lastError!;
    await this.deadLetter(msg, lastError!, maxAttempts);
  }

  /**
   * Inside the caller's transaction: records the events in the inbox and runs the handler of each
   * one seen for the first time, bound to its tenant. Duplicates (earlier deliveries, or the same
   * id twice in one run) have no effect. The handlers' Txs go into `txs`, told once the caller commits.
   */
  private async apply(m: EntityManager, events: CloudEvent[], txs: Tx[], progress: RunProgress = {}): Promise<Outcome[]> {
    // One transaction, one set of `Tx.once` reads: the run reads its configuration once, not per event.
    const reads: TxReads = new Map();
    if (this.spec.tenantLocks?.length) await lockTenantsShared(m, reads, events.map((e) => e.tenantid), this.spec.tenantLocks);
    const fresh = new Set<string>(
      (
        await m.query(
          `INSERT INTO inbox (consumer, event_id, event_type) SELECT $1, id, t FROM unnest($2::text[], $3::text[]) AS u(id, t) ON CONFLICT DO NOTHING RETURNING event_id`,
          [this.spec.name, events.map((e) => e.id), events.map((e) => e.type)],
        )
      ).map((r: { event_id: string }) => r.event_id),
    );
    const out: Outcome[] = [];
    // The transaction's tenant and actor binding, set again only when an event needs another one: a
    // run from one import or one user binds once (a round trip per event was half of a replica's).
    let bound: string | undefined;
    for (const e of events) {
      if (!fresh.delete(e.id)) {
        out.push('duplicate');
        continue;
      }
      // The handler acts for the event's actor: its writes are audited as theirs and the events it
      // emits carry the same `actorid` (an event without one: the system actor).
      await withCauseActor(e.actorid, () =>
        withEventTrace(e.traceparent, async () => {
          const binding = `${e.tenantid}\u0000${currentActor()}`;
          if (binding !== bound) {
            await bindTenant(m, e.tenantid);
            bound = binding;
          }
          const tx = new Tx(m, e.tenantid, this.emitter, reads);
          txs.push(tx);
          progress.handling = e.id;
          await this.spec.handlers[e.type](e, tx);
          // Emits inside the trace: the outbox row carries the handler's span.
          await tx.settle();
          progress.handling = undefined;
        }),
      );
      out.push('applied');
    }
    return out;
  }

  private async deadLetter(msg: InboundMessage, err: Error, attempts: number): Promise<void> {
    const topic = deadLetterTopic(msg.topic);
    this.log.error({ err, topic: msg.topic, offset: msg.offset, dlt: topic }, 'event dead-lettered');
    await this.bus.publish([
      {
        topic,
        key: msg.key ?? '',
        value: msg.value ? msg.value.toString() : '',
        headers: {
          ...msg.headers,
          [DLT_HEADERS.error]: err.message.slice(0, 4000),
          [DLT_HEADERS.errorType]: err.name,
          [DLT_HEADERS.topic]: msg.topic,
          [DLT_HEADERS.partition]: String(msg.partition),
          [DLT_HEADERS.offset]: msg.offset,
          [DLT_HEADERS.consumer]: this.spec.name,
          [DLT_HEADERS.attempts]: String(attempts),
          [DLT_HEADERS.failedAt]: new Date().toISOString(),
        },
      },
    ]);
    this.metrics?.eventsConsumed.inc({ consumer: this.spec.name, result: 'dead_lettered' });
  }
}
