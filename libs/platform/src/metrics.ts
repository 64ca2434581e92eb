import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, register as globalRegistry } from 'prom-client';

let defaultsCollected = false;

/** Per-service Prometheus metrics; process metrics are collected once per process. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly eventsPublished: Counter<'topic'>;
  readonly eventsConsumed: Counter<'consumer' | 'result'>;
  readonly outboxBacklog: Gauge;
  readonly outboxPublishLatency: Histogram;
  readonly graphqlDuration: Histogram<'operation' | 'status'>;

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
    this.outboxBacklog = new Gauge({ name: 'crm_outbox_backlog', help: 'Unpublished outbox rows seen by the last relay sweep', registers });
    this.outboxPublishLatency = new Histogram({
      name: 'crm_outbox_publish_latency_seconds',
      help: 'Commit-to-publish latency of outbox rows',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'crm_graphql_request_duration_seconds',
      help: 'GraphQL operation duration',
      labelNames: ['operation', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    // Concatenated, not Registry.merge: merging drops this registry's default `service` label.
    const [process, service] = await Promise.all([globalRegistry.metrics(), this.registry.metrics()]);
    return { contentType: this.registry.contentType, body: `${process}\n${service}` };
  }
}
