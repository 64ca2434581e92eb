/** A message as it travels on the bus: Kafka record shape, value = CloudEvent JSON. */
export interface OutboundMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
  /**
   * Record timestamp (CreateTime). The relay sets the outbox row's commit time, so time-based
   * retention counts from when the event happened, not from when an outage let it out — what the
   * erasure deadline (eventLogExpiry) relies on.
   */
  timestamp?: Date;
}

export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface SubscriptionSpec {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /**
   * Called once per message, in partition order. The bus commits the offset only after it resolves;
   * a rejection makes the bus redeliver (the idempotent consumer turns failures into DLT entries
   * itself, so a rejection means "could not even dead-letter": stop and retry).
   */
  handle(message: InboundMessage): Promise<void>;
  /**
   * Optional fast path: a run of consecutive messages of one partition, in order. Must have the same
   * effect as calling `handle` for each; the bus commits past the run only after it resolves.
   */
  handleBatch?(messages: InboundMessage[], heartbeat?: () => Promise<void>): Promise<void>;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The publish/consume port. Kafka in distributed mode; an in-process bus in the embedded
 * single-process mode. Delivery guarantees (outbox, inbox, DLT) are built on top, identically.
 */
export interface EventBus {
  readonly kind: 'kafka' | 'in-process';
  connect(): Promise<void>;
  /** Publishes all messages or throws; acknowledged by all in-sync replicas on Kafka. */
  publish(messages: OutboundMessage[]): Promise<void>;
  subscribe(spec: SubscriptionSpec): Promise<Subscription>;
  /** Creates topics if missing (no-op in process). */
  ensureTopics(topics: string[]): Promise<void>;
  isReady(): Promise<boolean>;
  /**
   * Events on `topics` the consumer group has not committed yet, per topic (the broker's latest
   * offsets minus the group's committed ones; a partition the group never committed counts from
   * its earliest offset). Absent where the bus keeps no log (in process).
   */
  consumerLag?(groupId: string, topics: string[]): Promise<{ topic: string; lag: number }[]>;
  disconnect(): Promise<void>;
}

/**
 * Whether a publish error carries one of the broker's error types (kafkajs puts it in `type`, and
 * wraps it in retries: `cause`, `originalError`, `errors[]`). One walker for every caller.
 */
export function hasBrokerErrorType(err: unknown, types: ReadonlySet<string>, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (typeof e.type === 'string' && types.has(e.type)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => hasBrokerErrorType(x, types, depth + 1))) return true;
  return hasBrokerErrorType(e.cause, types, depth + 1) || hasBrokerErrorType(e.originalError, types, depth + 1);
}
