import type { EventBus, InboundMessage, OutboundMessage, Subscription, SubscriptionSpec } from './event-bus';

interface GroupCursor {
  spec: SubscriptionSpec;
  offsets: Map<string, number>;
  running: boolean;
  wake?: () => void;
  loop: Promise<void>;
}

/**
 * The embedded single-process mode's bus: an append-only log per topic kept in memory, consumer
 * groups with their own offsets, delivery in order. Same port as Kafka so the outbox relay and the
 * idempotent consumers behave identically.
 *
 * The log is not durable, so `publish` resolves only once every group subscribed to the topic has
 * handled the messages (applied them in its own transaction, or dead-lettered them). The relay marks
 * outbox rows published only then: a crash or stop loses nothing — unacknowledged rows are
 * republished at the next start and consumers dedupe.
 */
export class InProcessEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  private readonly log = new Map<string, InboundMessage[]>();
  private readonly groups = new Set<GroupCursor>();
  private readonly waiters: { topic: string; offset: number; resolve: () => void }[] = [];

  async connect(): Promise<void> {}
  async ensureTopics(topics: string[]): Promise<void> {
    for (const t of topics) if (!this.log.has(t)) this.log.set(t, []);
  }

  async publish(messages: OutboundMessage[]): Promise<void> {
    const lastOffset = new Map<string, number>();
    for (const m of messages) {
      const topic = this.log.get(m.topic) ?? [];
      this.log.set(m.topic, topic);
      topic.push({
        topic: m.topic,
        partition: 0,
        offset: String(topic.length),
        key: m.key,
        value: Buffer.from(m.value),
        headers: { ...(m.headers ?? {}) },
      });
      lastOffset.set(m.topic, topic.length - 1);
    }
    for (const g of this.groups) g.wake?.();
    await Promise.all([...lastOffset].map(([topic, offset]) => this.handledByAll(topic, offset)));
  }

  private pendingFor(topic: string, offset: number): boolean {
    return [...this.groups].some((g) => g.running && g.spec.topics.includes(topic) && (g.offsets.get(topic) ?? 0) <= offset);
  }

  /** Resolves when every current subscriber of `topic` has handled the message at `offset`. */
  private handledByAll(topic: string, offset: number): Promise<void> {
    if (!this.pendingFor(topic, offset)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ topic, offset, resolve }));
  }

  private settleWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (!this.pendingFor(w.topic, w.offset)) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Messages published so far (for `crm events tail` in embedded mode and tests). */
  messages(topic: string): readonly InboundMessage[] {
    return this.log.get(topic) ?? [];
  }

  async subscribe(spec: SubscriptionSpec): Promise<Subscription> {
    const cursor: GroupCursor = { spec, offsets: new Map(), running: true, loop: Promise.resolve() };
    for (const t of spec.topics) cursor.offsets.set(t, spec.fromBeginning === false ? (this.log.get(t)?.length ?? 0) : 0);
    this.groups.add(cursor);
    cursor.loop = this.run(cursor);
    return {
      close: async () => {
        cursor.running = false;
        cursor.wake?.();
        this.groups.delete(cursor);
        this.settleWaiters();
        await cursor.loop;
      },
    };
  }

  private async run(c: GroupCursor): Promise<void> {
    while (c.running) {
      let delivered = false;
      for (const topic of c.spec.topics) {
        const msgs = this.log.get(topic) ?? [];
        let next = c.offsets.get(topic) ?? 0;
        while (c.running && next < msgs.length) {
          try {
            await c.spec.handle(msgs[next]);
            next += 1;
            c.offsets.set(topic, next);
            delivered = true;
            this.settleWaiters();
          } catch {
            // Same contract as Kafka: a rejected handle is redelivered after a pause.
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }
      if (!delivered && c.running) await new Promise<void>((r) => (c.wake = r));
    }
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.groups].map(async (g) => {
      g.running = false;
      g.wake?.();
      await g.loop;
    }));
    this.groups.clear();
    this.settleWaiters();
  }
}
