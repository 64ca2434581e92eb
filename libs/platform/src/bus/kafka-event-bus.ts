import { Kafka, logLevel, type Consumer, type Producer, type Admin, CompressionTypes, type IHeaders, ConfigResourceTypes } from 'kafkajs';
import type { Logger } from 'pino';
// kafkajs 2 warns about its default partitioner on every producer; ours is intentional (murmur2 by key).
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

import { hasBrokerErrorType, type EventBus, type InboundMessage, type OutboundMessage, type Subscription, type SubscriptionSpec } from './event-bus';
import { DEFAULT_EVENT_RETENTION, type EventRetention } from './event-retention';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long a fetch waits for data when none is there; small keeps end-to-end latency low. */
  maxWaitTimeInMs?: number;
  partitions?: number;
  /** `retention.ms` / `segment.ms` of the topics this bus creates and checks (default: 7 days). */
  retention?: EventRetention;
}

/** A topic whose settings keep events longer than the configured retention (found at start). */
export interface TopicRetentionProblem {
  topic: string;
  setting: 'retention.ms' | 'segment.ms' | 'cleanup.policy';
  actual: string;
  expected: string;
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

/** Producer errors after which kafkajs's idempotent-producer state no longer matches the broker's. */
const PRODUCER_STATE_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);
const producerStateLost = (err: unknown): boolean => hasBrokerErrorType(err, PRODUCER_STATE_ERRORS);

/** Messages handed to a batch handler at once (one database transaction on the fast path). */
const BATCH_CHUNK = 200;
/** How long an idle consumer's fetch waits at the broker for a record (see subscribe). */
const IDLE_FETCH_WAIT_MS = 500;

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v != null) out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  return out;
}

export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer: Producer;
  private renewing?: Promise<void>;
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
    this.producer = this.newProducer();
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
    const preexisting = await withStartupRetries('creating topics', this.opts.logger, () => this.createMissing(missing));
    missing.forEach((t) => this.knownTopics.add(t));
    // Topics created just now carry our settings; only the ones that were there already are checked.
    await this.warnAboutRetention(preexisting);
  }

  /**
   * Topics that existed already (made by an operator, another replica, an older version, or
   * auto-created by the broker) are checked, not changed (see checkRetention). A broker that does
   * not let us read topic configs does not stop the service; it is logged.
   */
  private async warnAboutRetention(topics: string[]): Promise<void> {
    let problems: TopicRetentionProblem[];
    try {
      problems = await this.checkRetention(topics);
    } catch (err) {
      this.opts.logger.warn({ err, topics }, 'could not read the retention of the event topics (DescribeConfigs); erasure expiry times assume EVENT_RETENTION_HOURS');
      return;
    }
    for (const p of problems) {
      this.opts.logger.warn(
        { topic: p.topic, setting: p.setting, actual: p.actual, expected: p.expected },
        `topic ${p.topic} keeps events longer than configured (${p.setting}=${p.actual}, EVENT_RETENTION_HOURS gives ${p.expected}): erased personal data stays on it longer than the erasure result says. ` +
          `Fix the topic, e.g. kafka-configs.sh --alter --entity-type topics --entity-name ${p.topic} --add-config ${p.setting}=${p.expected}`,
      );
    }
  }

  private get retention(): EventRetention {
    return this.opts.retention ?? DEFAULT_EVENT_RETENTION;
  }

  /** Creates the missing topics with explicit retention; returns those that existed already. */
  private async createMissing(missing: string[]): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const toCreate = missing.filter((t) => !existing.has(t));
    if (toCreate.length) {
      // Explicit retention: the broker default must not decide how long personal data stays on the log.
      const configEntries = [
        { name: 'retention.ms', value: String(this.retention.retentionMs) },
        { name: 'segment.ms', value: String(this.retention.segmentMs) },
      ];
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map((topic) => ({ topic, numPartitions: this.opts.partitions ?? 3, replicationFactor: -1, configEntries })),
      });
    }
    // Every partition must have a leader before producers and consumers use the topic.
    const meta = await this.admin.fetchTopicMetadata({ topics: missing });
    const leaderless = meta.topics.filter((t) => t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
    if (leaderless.length) throw new Error(`topics without partition leaders yet: ${leaderless.join(', ')}`);
    return missing.filter((t) => existing.has(t));
  }

  /**
   * Compares the topics' effective `retention.ms`, `segment.ms` and `cleanup.policy` with the
   * configured retention and returns every setting that keeps events longer. It never alters a topic:
   * a longer retention may be an operator's deliberate choice (replay needs, a legal hold), shortening
   * it deletes data for every consumer irreversibly, and Kafka's (non-incremental) AlterConfigs would
   * also reset the topic's other overrides. The service warns instead, naming the fix.
   */
  async checkRetention(topics: string[]): Promise<TopicRetentionProblem[]> {
    if (!topics.length) return [];
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'segment.ms', 'cleanup.policy'] })),
    });
    const problems: TopicRetentionProblem[] = [];
    const longer = (actual: string | undefined, limit: number) => actual !== undefined && (Number(actual) < 0 || Number(actual) > limit);
    for (const r of resources) {
      if (r.errorCode) throw new Error(`describing topic ${r.resourceName} failed: ${r.errorMessage || `error ${r.errorCode}`}`);
      const value = (name: string) => r.configEntries.find((e) => e.configName === name)?.configValue;
      const retention = value('retention.ms');
      const segment = value('segment.ms');
      const policy = value('cleanup.policy');
      if (longer(retention, this.retention.retentionMs)) problems.push({ topic: r.resourceName, setting: 'retention.ms', actual: retention!, expected: String(this.retention.retentionMs) });
      if (longer(segment, this.retention.segmentMs)) problems.push({ topic: r.resourceName, setting: 'segment.ms', actual: segment!, expected: String(this.retention.segmentMs) });
      if (policy !== undefined && !policy.split(',').includes('delete')) problems.push({ topic: r.resourceName, setting: 'cleanup.policy', actual: policy, expected: 'delete' });
    }
    return problems;
  }

  async publish(messages: OutboundMessage[]): Promise<void> {
    if (!messages.length) return;
    const byTopic = new Map<string, OutboundMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    const producer = this.producer;
    try {
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, ms]) => ({ topic, messages: ms.map((m) => ({ key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp ? String(m.timestamp.getTime()) : undefined })) })),
      });
    } catch (err) {
      if (producerStateLost(err)) await this.renewProducer(producer, err);
      throw err;
    }
  }

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  }

  /**
   * A produce request refused for one partition (e.g. MESSAGE_TOO_LARGE) may have been written on the
   * others, but kafkajs advances the idempotent producer's sequence numbers only when the whole
   * request succeeds: every later send to those partitions then fails with
   * OUT_OF_ORDER_SEQUENCE_NUMBER, for ever. A fresh producer (new producer id) starts clean; the
   * caller re-sends (duplicates of the accepted part are deduped by consumers, as for any retry).
   */
  private async renewProducer(failed: Producer, err: unknown): Promise<void> {
    if (this.producer !== failed) return; // another call renewed it already
    this.renewing ??= (async () => {
      this.opts.logger.warn({ err }, 'kafka producer state out of sync with the broker after a refused request; starting a fresh producer');
      const fresh = this.newProducer();
      await fresh.connect();
      this.producer = fresh;
      await failed.disconnect().catch(() => undefined);
    })().finally(() => (this.renewing = undefined));
    await this.renewing.catch((e) => this.opts.logger.warn({ err: e }, 'could not start a fresh kafka producer; will try again on the next failure'));
  }

  async subscribe(spec: SubscriptionSpec): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: spec.groupId,
      // A long poll: the broker answers as soon as a record arrives (minBytes 1), so this bounds only
      // how often an idle consumer asks. At 20 ms every consumer group fetched 50 times a second and
      // an idle marketing service spent ~24 % of a core on it (bench/src/idle-cpu.ts).
      maxWaitTimeInMs: this.opts.maxWaitTimeInMs ?? IDLE_FETCH_WAIT_MS,
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

  async consumerLag(groupId: string, topics: string[]): Promise<{ topic: string; lag: number }[]> {
    const committed = await this.admin.fetchOffsets({ groupId, topics });
    return Promise.all(
      committed.map(async ({ topic, partitions }) => {
        const ends = await this.admin.fetchTopicOffsets(topic);
        let lag = 0;
        for (const end of ends) {
          const c = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
          // -1: nothing committed yet, so everything still in the log is to be read.
          lag += Math.max(0, Number(end.high) - (c >= 0 ? c : Number(end.low)));
        }
        return { topic, lag };
      }),
    );
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
