import type { EventBus, InboundMessage, OutboundMessage, Subscription, SubscriptionSpec } from './event-bus';

/** A topic's messages still kept: `items[i]` has offset `base + i`. */
interface TopicLog {
  base: number;
  items: InboundMessage[];
}

/**
 * Handled messages kept per topic after every group has handled them: for a group that subscribes a
 * little later (modules of `pnpm start` subscribe one after the other) and for `messages()`. Older
 * ones are dropped, as Kafka's retention drops them: the log held every event of the process's
 * lifetime (hundreds of MB after a write load, issue 11).
 */
export const RETAINED_HANDLED_MESSAGES = 1000;
/** Dropped in chunks of at least this many (one splice per chunk, not one per message). */
const TRIM_CHUNK = 1000;

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
 * republished at the next start and consumers dedupe. Once every group has handled a message it is
 * kept only among the last RETAINED_HANDLED_MESSAGES of its topic.
 */
export class InProcessEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  private readonly log = new Map<string, TopicLog>();
  private readonly groups = new Set<GroupCursor>();
  private readonly waiters: { topic: string; offset: number; resolve: () => void }[] = [];

  async connect(): Promise<void> {}
  async ensureTopics(topics: string[]): Promise<void> {
    for (const t of topics) this.topic(t);
  }

  private topic(name: string): TopicLog {
    let l = this.log.get(name);
    if (!l) this.log.set(name, (l = { base: 0, items: [] }));
    return l;
  }

  async publish(messages: OutboundMessage[]): Promise<void> {
    const lastOffset = new Map<string, number>();
    for (const m of messages) {
      const topic = this.topic(m.topic);
      const offset = topic.base + topic.items.length;
      topic.items.push({
        topic: m.topic,
        partition: 0,
        offset: String(offset),
        key: m.key,
        value: Buffer.from(m.value),
        headers: { ...(m.headers ?? {}) },
      });
      lastOffset.set(m.topic, offset);
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

  /** Messages still kept (not yet handled by every group, plus the last handled ones): for tests and inspection. */
  messages(topic: string): readonly InboundMessage[] {
    return this.log.get(topic)?.items ?? [];
  }

  /** Drops what every group subscribed to `topic` has handled, but the last RETAINED_HANDLED_MESSAGES. */
  private trim(topic: string): void {
    const l = this.log.get(topic);
    if (!l) return;
    let handled = Infinity;
    for (const g of this.groups) if (g.spec.topics.includes(topic)) handled = Math.min(handled, g.offsets.get(topic) ?? l.base);
    if (handled === Infinity) return; // nobody has subscribed yet: keep everything for the first group
    const drop = handled - RETAINED_HANDLED_MESSAGES - l.base;
    if (drop < TRIM_CHUNK) return;
    l.items.splice(0, drop);
    l.base += drop;
  }

  async subscribe(spec: SubscriptionSpec): Promise<Subscription> {
    const cursor: GroupCursor = { spec, offsets: new Map(), running: true, loop: Promise.resolve() };
    for (const t of spec.topics) {
      const l = this.topic(t);
      cursor.offsets.set(t, spec.fromBeginning === false ? l.base + l.items.length : l.base);
    }
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
        const l = this.topic(topic);
        let next = Math.max(c.offsets.get(topic) ?? l.base, l.base);
        while (c.running && next < l.base + l.items.length) {
          try {
            await c.spec.handle(l.items[next - l.base]);
            next += 1;
            c.offsets.set(topic, next);
            delivered = true;
            this.settleWaiters();
            this.trim(topic);
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
