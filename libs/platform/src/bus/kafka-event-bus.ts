import { Kafka, logLevel, type Consumer, type Producer, type Admin, CompressionTypes, type IHeaders } from 'kafkajs';
import type { Logger } from 'pino';
// kafkajs 2 warns about its default partitioner on every producer; ours is intentional (murmur2 by key).
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

import type { EventBus, InboundMessage, OutboundMessage, Subscription, SubscriptionSpec } from './event-bus';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long a fetch waits for data when none is there; small keeps end-to-end latency low. */
  maxWaitTimeInMs?: number;
  partitions?: number;
}

/**
 * Retries a broker operation of start-up (topic creation, group join). Right after a topic is
 * created its partitions may briefly have no leader ("does not host this topic-partition"),
 * more so on a busy machine.
 */
async function withStartupRetries<T>(what: string, log: Logger, fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts) throw err;
      log.warn({ err, attempt }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
    }
  }
}

/** Messages handed to a batch handler at once (one database transaction on the fast path). */
const BATCH_CHUNK = 200;

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v != null) out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  return out;
}

export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly consumers = new Set<Consumer>();
  private connected = false;
  private readonly knownTopics = new Set<string>();

  constructor(private readonly opts: KafkaBusOptions) {
    const log = opts.logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      retry: { initialRetryTime: 100, retries: 8 },
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        if (level <= logLevel.ERROR) log.error(rest, message);
        else log.warn(rest, message);
      },
    });
    // Idempotent producer: acks from all in-sync replicas, broker-side dedupe of retried sends.
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
    this.connected = true;
  }

  async ensureTopics(topics: string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (!missing.length) return;
    await withStartupRetries('creating topics', this.opts.logger, () => this.createMissing(missing));
    missing.forEach((t) => this.knownTopics.add(t));
  }

  private async createMissing(missing: string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const toCreate = missing.filter((t) => !existing.has(t));
    if (toCreate.length) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map((topic) => ({ topic, numPartitions: this.opts.partitions ?? 3, replicationFactor: -1 })),
      });
    }
    // Every partition must have a leader before producers and consumers use the topic.
    const meta = await this.admin.fetchTopicMetadata({ topics: missing });
    const leaderless = meta.topics.filter((t) => t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
    if (leaderless.length) throw new Error(`topics without partition leaders yet: ${leaderless.join(', ')}`);
  }

  async publish(messages: OutboundMessage[]): Promise<void> {
    if (!messages.length) return;
    const byTopic = new Map<string, OutboundMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, ms]) => ({ topic, messages: ms.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) })),
    });
  }

  async subscribe(spec: SubscriptionSpec): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: spec.groupId,
      maxWaitTimeInMs: this.opts.maxWaitTimeInMs ?? 20,
      allowAutoTopicCreation: true,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      retry: { retries: 10 },
    });
    await withStartupRetries(`joining consumer group ${spec.groupId}`, this.opts.logger, async () => {
      try {
        await consumer.connect();
        for (const topic of spec.topics) await consumer.subscribe({ topic, fromBeginning: spec.fromBeginning ?? true });
      } catch (err) {
        await consumer.disconnect().catch(() => undefined);
        throw err;
      }
    });
    this.consumers.add(consumer);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions are independent (order is per key = per partition): handle them in parallel.
      partitionsConsumedConcurrently: this.opts.partitions ?? 3,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const inbound: InboundMessage[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString() : null,
          value: m.value,
          headers: headersOf(m.headers),
        }));
        let last: string | undefined;
        for (let i = 0; i < inbound.length && isRunning() && !isStale(); i += BATCH_CHUNK) {
          const chunk = inbound.slice(i, i + BATCH_CHUNK);
          if (spec.handleBatch) await spec.handleBatch(chunk, heartbeat);
          else for (const m of chunk) {
            await spec.handle(m);
            await heartbeat();
          }
          last = chunk[chunk.length - 1].offset;
          resolveOffset(last);
          await heartbeat();
        }
        // Offsets move only past messages that were fully handled (applied or dead-lettered).
        if (last !== undefined) {
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        }
      },
    });
    return {
      close: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async isReady(): Promise<boolean> {
    if (!this.connected) return false;
    try {
      await this.admin.describeCluster();
      return true;
    } catch {
      return false;
    }
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await this.producer.disconnect();
    await this.admin.disconnect();
    this.connected = false;
  }
}
