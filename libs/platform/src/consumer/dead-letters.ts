import { Kafka, logLevel } from 'kafkajs';
import { DLT_HEADERS, deadLetterTopic } from '@crm/events';

/** A record a consumer moved to `<topic>.dlt`, with what its headers say about the failure. */
export interface DeadLetter {
  /** `<partition>@<offset>` in the dead-letter topic: what `replay --offset` takes. */
  position: string;
  key: string | null;
  value: string;
  originalTopic: string | null;
  consumer: string | null;
  error: string | null;
  attempts: string | null;
  failedAt: string | null;
  /** CloudEvents id and type, when the value is one. */
  eventId: string | null;
  eventType: string | null;
}

const dltOf = (topic: string) => (topic.endsWith('.dlt') ? topic : deadLetterTopic(topic));

/**
 * Every record of a dead-letter topic up to its current end (a throwaway group that reads from the
 * beginning and stops when it has caught up), optionally only those of one consumer group.
 */
export async function readDeadLetters(topic: string, opts: { brokers: string[]; consumer?: string }): Promise<DeadLetter[]> {
  const dlt = dltOf(topic);
  const kafka = new Kafka({ clientId: 'crm-dlt-reader', brokers: opts.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // No dead-letter topic yet: nothing was ever dead-lettered there.
  const ends = await (async () => ((await admin.listTopics()).includes(dlt) ? admin.fetchTopicOffsets(dlt) : []))().finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]));
  const out: DeadLetter[] = [];
  if (remaining.size) {
    const reader = kafka.consumer({ groupId: `crm-dlt-reader-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
    await reader.connect();
    try {
      await reader.subscribe({ topic: dlt, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        reader
          .run({
            eachMessage: async ({ partition, message }) => {
              const h = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v == null ? null : v.toString()]));
              const value = message.value?.toString() ?? '';
              let event: { id?: unknown; type?: unknown } = {};
              try {
                event = JSON.parse(value);
              } catch {
                // not JSON: listed as is
              }
              out.push({
                position: `${partition}@${message.offset}`,
                key: message.key?.toString() ?? null,
                value,
                originalTopic: h[DLT_HEADERS.topic] ?? null,
                consumer: h[DLT_HEADERS.consumer] ?? null,
                error: h[DLT_HEADERS.error] ?? null,
                attempts: h[DLT_HEADERS.attempts] ?? null,
                failedAt: h[DLT_HEADERS.failedAt] ?? null,
                eventId: typeof event.id === 'string' ? event.id : null,
                eventType: typeof event.type === 'string' ? event.type : null,
              });
              if (BigInt(message.offset) >= (remaining.get(partition) ?? -1n)) remaining.delete(partition);
              if (!remaining.size) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await reader.disconnect();
    }
  }
  return out.filter((d) => !opts.consumer || d.consumer === opts.consumer).sort((a, b) => a.position.localeCompare(b.position, undefined, { numeric: true }));
}

/**
 * Puts dead letters back on their original topic, same key and value, once the cause is fixed.
 * Every consumer group of that topic sees the record again; those that had applied it skip it
 * (the inbox knows its id), the one that failed applies it now. The dead letters stay in the DLT
 * as history; replaying one twice is harmless for the same reason.
 */
export async function replayDeadLetters(topic: string, opts: { brokers: string[]; consumer?: string; positions?: string[] }): Promise<DeadLetter[]> {
  const letters = (await readDeadLetters(topic, opts)).filter((d) => !opts.positions?.length || opts.positions.includes(d.position));
  const replayable = letters.filter((d) => d.originalTopic);
  if (!replayable.length) return [];
  const kafka = new Kafka({ clientId: 'crm-dlt-replay', brokers: opts.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const d of replayable) {
      await producer.send({
        topic: d.originalTopic!,
        acks: -1,
        messages: [{ key: d.key, value: d.value, headers: { 'content-type': 'application/cloudevents+json', 'crm-replayed-from': `${dltOf(topic)}/${d.position}` } }],
      });
    }
  } finally {
    await producer.disconnect();
  }
  return replayable;
}
