import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { topicName, withPrefix, type CloudEvent } from '@crm/events';
import type { EventBus } from '../bus/event-bus';
import { IdempotentConsumer, type ConsumerSpec } from '../consumer/idempotent-consumer';
import { InboxPurger } from '../consumer/inbox-purge';
import type { Tx, TxEmitter } from '../kernel/tx';
import type { ServiceMetrics } from '../metrics';
import type { ServiceInfo } from '../service-info';
import { CrmEventContext } from './crm-event-context';
import { CRM_EVENTS, handlerFailure, type EventHandlerExtras } from './on-event';

export interface CrmEventTransportDeps {
  ds: DataSource;
  bus: EventBus;
  info: ServiceInfo;
  log: Logger;
  metrics?: ServiceMetrics;
  /** Where `ctx.tx.emit` writes: the service's outbox. */
  emitter: TxEmitter;
  /** INBOX_RETENTION_HOURS (inboxRetentionHours(config)): the inbox sweep runs with the consumers. */
  inboxRetentionHours: number;
}

/** A consumer group being assembled from its handlers: its spec, with the topics collected in a set. */
interface Group extends Omit<ConsumerSpec, 'topics'> {
  topics: Set<string>;
}

/**
 * The platform's @nestjs/microservices transport: the `@EventConsumer` controllers' `@OnEvent`
 * handlers, run by the idempotent consumer on the service's event bus (Kafka, or the in-process
 * bus of the embedded mode). Each controller is one consumer group `<service>.<name>`; each event
 * runs its handler once, in the transaction that records it in the inbox, bound to its tenant.
 */
export class CrmEventTransport extends Server implements CustomTransportStrategy {
  override readonly transportId = CRM_EVENTS;
  // The consumer awaits each handler and acts on its failure (retry, redeliver, dead-letter).
  override readonly propagatesEventHandlerErrors = true;
  private readonly groups = new Map<string, Group>();
  private readonly running: IdempotentConsumer[] = [];
  private purger?: InboxPurger;

  constructor(private readonly deps: CrmEventTransportDeps) {
    super();
  }

  /** Called by Nest for every `@OnEvent` method of the app, once per event type. */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const e = extras as unknown as Partial<EventHandlerExtras>;
    const type = String(pattern);
    if (!isEventHandler || !e.contracts) throw new Error(`${type}: the event transport only takes @OnEvent handlers`);
    if (!e.consumer) throw new Error(`the handler of ${type} is not in an @EventConsumer class (which names its consumer group)`);
    const contract = e.contracts.find((c) => c.type === type)!;
    const name = `${this.deps.info.name}.${e.consumer}`;
    const { contracts: _contracts, consumer: _consumer, ...options } = e;
    const group = this.groups.get(name) ?? { name, handlers: {}, topics: new Set<string>(), ...options };
    if (group.handlers[type]) throw new Error(`consumer ${name} has two handlers for ${type}; one group applies an event once, with one handler`);
    group.handlers[type] = (event, tx) => this.invoke(callback, event, tx, name);
    group.topics.add(topicName(contract.module, this.deps.info.topicPrefix));
    this.groups.set(name, group);
    // Nest's own registry too (getHandlers, getHandlerByPattern), without chaining handlers of other groups.
    this.messageHandlers.set(`${name}:${type}`, callback);
  }

  /** The consumer groups and the event types each handles (start-up log, tests). */
  consumers(): { name: string; types: string[]; topics: string[] }[] {
    return [...this.groups.values()].map((g) => ({ name: g.name, types: Object.keys(g.handlers), topics: [...g.topics] }));
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      for (const g of this.groups.values()) {
        const spec: ConsumerSpec = { ...g, topics: [...g.topics] };
        const consumer = new IdempotentConsumer(this.deps.ds, this.deps.bus, spec, this.deps.log.child({ consumer: g.name }), this.deps.metrics, this.deps.emitter);
        await consumer.start(this.deps.info.consumerGroupPrefix);
        this.running.push(consumer);
      }
      this.purger = new InboxPurger(this.deps.ds, { schema: this.deps.info.schema, retentionHours: this.deps.inboxRetentionHours }, this.deps.log.child({ component: 'inbox-purge' }));
      this.purger.start();
      this.watchLag();
      this.deps.log.info({ consumers: this.consumers().map((c) => c.name) }, 'event consumers started');
    } catch (err) {
      // All or nothing: a service whose consumers did not all start must not leave some running.
      await this.close();
      return callback(err);
    }
    callback();
  }

  /** `crm_consumer_lag`: read from the broker at scrape time for each group, so a stuck consumer shows. */
  private watchLag(): void {
    const { bus, metrics, info } = this.deps;
    if (!metrics || !bus.consumerLag) return;
    const lagOf = bus.consumerLag.bind(bus);
    const groups = [...this.groups.values()];
    metrics.watchConsumerLag(async () =>
      (await Promise.all(groups.map(async (g) => (await lagOf(withPrefix(info.consumerGroupPrefix, g.name), [...g.topics])).map((r) => ({ consumer: g.name, ...r }))))).flat(),
    );
  }

  async close(): Promise<void> {
    await this.purger?.stop();
    this.purger = undefined;
    await Promise.all(this.running.map((c) => c.stop()));
    this.running.length = 0;
  }

  /**
   * Runs the Nest handler (guards, interceptors, pipes, `@Payload()`, `@Ctx()`) and waits for it;
   * a failure reaches the consumer as the handler's own error.
   */
  private async invoke(handler: MessageHandler, event: CloudEvent, tx: Tx, consumer: string): Promise<void> {
    const slot: { error?: unknown } = {};
    await handlerFailure.run(slot, async () => {
      try {
        const out = await handler(event, new CrmEventContext([event, tx, consumer]));
        if (isObservable(out)) await lastValueFrom(out, { defaultValue: undefined });
      } catch (err) {
        const e = slot.error ?? err;
        throw e instanceof Error ? e : new Error(typeof e === 'object' ? JSON.stringify(e) : String(e));
      }
    });
  }

  on(): never {
    throw new Error('the event transport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.deps.bus as T;
  }
}
