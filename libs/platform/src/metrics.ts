import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, register as globalRegistry } from 'prom-client';
import type { OutboxStats } from './outbox/outbox-stats';

let defaultsCollected = false;

/** Per-service Prometheus metrics; process metrics are collected once per process. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly eventsPublished: Counter<'topic'>;
  readonly eventsConsumed: Counter<'consumer' | 'result'>;
  readonly outboxParked: Counter<'topic'>;
  readonly outboxPublishLatency: Histogram;
  readonly graphqlDuration: Histogram<'operation' | 'status'>;
  private lagSource?: () => Promise<{ consumer: string; topic: string; lag: number }[]>;

  constructor(readonly service: string) {
    if (!defaultsCollected) {
      collectDefaultMetrics();
      defaultsCollected = true;
    }
    this.registry.setDefaultLabels({ service });
    const registers = [this.registry];
    this.eventsPublished = new Counter({ name: 'crm_events_published_total', help: 'Events published by the outbox relay', labelNames: ['topic'], registers });
    this.eventsConsumed = new Counter({
      name: 'crm_events_consumed_total',
      help: 'Events handled by consumers: applied, duplicate, dead_lettered',
      labelNames: ['consumer', 'result'],
      registers,
    });
    // The outbox gauges are read from the table at scrape time (see watchOutbox): the truth, even
    // when the relay is stuck or another replica holds the relay lock.
    const snapshot = () => this.outboxSnapshot();
    const outboxGauge = (name: string, help: string, pick: (s: OutboxStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        // prom-client calls collect with the gauge as `this` before each scrape.
        async collect(this: Gauge) {
          const stats = await snapshot();
          if (stats) this.set(pick(stats));
        },
      });
    outboxGauge('crm_outbox_backlog', 'Unpublished outbox rows that are not parked (the real backlog)', (s) => s.backlog);
    outboxGauge('crm_outbox_oldest_age_seconds', 'Age of the oldest unpublished, non-parked outbox row (0 when none)', (s) => s.oldestAgeSeconds);
    outboxGauge('crm_outbox_failed', 'Outbox rows parked because the broker cannot take them (see `crm outbox failed`)', (s) => s.parked);
    this.outboxParked = new Counter({ name: 'crm_outbox_parked_total', help: 'Outbox rows the relay parked (too large for the broker)', labelNames: ['topic'], registers });
    this.outboxPublishLatency = new Histogram({
      name: 'crm_outbox_publish_latency_seconds',
      help: 'Commit-to-publish latency of outbox rows',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    // Read from the broker at scrape time (committed vs latest offsets), so a stuck consumer shows.
    const lagSource = () => this.lagSource;
    new Gauge({
      name: 'crm_consumer_lag',
      help: 'Events on the topic the consumer group has not committed yet',
      labelNames: ['consumer', 'topic'],
      registers,
      async collect(this: Gauge<'consumer' | 'topic'>) {
        const source = lagSource();
        if (!source) return;
        const rows = await source().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const r of rows) this.set({ consumer: r.consumer, topic: r.topic }, r.lag);
      },
    });
    this.graphqlDuration = new Histogram({
      name: 'crm_graphql_request_duration_seconds',
      help: 'GraphQL operation duration',
      labelNames: ['operation', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  private outboxSource?: () => Promise<OutboxStats>;
  private outboxCache?: { at: number; stats: Promise<OutboxStats | undefined> };

  /** Where `crm_consumer_lag` comes from (the consumers register their groups at start). */
  watchConsumerLag(source: () => Promise<{ consumer: string; topic: string; lag: number }[]>): void {
    this.lagSource = source;
  }

  /** Where the outbox gauges come from (the relay registers its table at start). */
  watchOutbox(source: () => Promise<OutboxStats>): void {
    this.outboxSource = source;
  }

  /** One query per scrape for the three gauges; a failing query leaves the last values. */
  private outboxSnapshot(): Promise<OutboxStats | undefined> {
    if (!this.outboxSource) return Promise.resolve(undefined);
    if (this.outboxCache && Date.now() - this.outboxCache.at < 500) return this.outboxCache.stats;
    const stats = this.outboxSource().catch(() => undefined);
    this.outboxCache = { at: Date.now(), stats };
    return stats;
  }

  async text(): Promise<{ contentType: string; body: string }> {
    // Concatenated, not Registry.merge: merging drops this registry's default `service` label.
    const [process, service] = await Promise.all([globalRegistry.metrics(), this.registry.metrics()]);
    return { contentType: this.registry.contentType, body: `${process}\n${service}` };
  }
}
