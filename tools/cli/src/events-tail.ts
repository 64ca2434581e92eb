import { Kafka, logLevel } from 'kafkajs';
import { MODULES, decodeEvent, topicName, withPrefix } from '@crm/events';

export interface TailOptions {
  brokers: string;
  fromBeginning: boolean;
  json: boolean;
  /** KAFKA_TOPIC_PREFIX of the environment to watch: module topics and the tail's own group carry it. */
  prefix?: string;
  /** Resolves when tailing should stop (default: Ctrl-C). */
  until?: Promise<void>;
  /** Where the "tailing …" line goes (default: stderr). */
  status?: (line: string) => void;
}

/**
 * Topics to follow: the one asked for, or every module's topic (with the prefix) that exists on the
 * broker — a module that is not deployed has no topic, and subscribing to one fails the whole tail.
 */
export async function topicsToTail(kafka: Kafka, topic: string | undefined, prefix: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    if (topic) {
      if (!existing.has(topic)) {
        const hint = existing.has(withPrefix(prefix, topic)) ? ` (did you mean ${withPrefix(prefix, topic)}? the prefix is not added to a topic you name)` : '';
        throw new Error(`topic ${topic} does not exist on the broker${hint}`);
      }
      return [topic];
    }
    const wanted = MODULES.map((m) => topicName(m, prefix));
    const found = wanted.filter((t) => existing.has(t));
    if (found.length === 0) {
      throw new Error(`none of the module topics exists yet (${wanted.join(', ')}${prefix ? `; KAFKA_TOPIC_PREFIX=${prefix}` : ''}): they appear with the first event a module publishes`);
    }
    return found;
  } finally {
    await admin.disconnect();
  }
}

/** Pretty-prints events from Kafka as an integrator would consume them (own throwaway group). */
export async function tailEvents(topic: string | undefined, opts: TailOptions) {
  const prefix = opts.prefix ?? '';
  const kafka = new Kafka({ clientId: 'crm-cli-tail', brokers: opts.brokers.split(','), logLevel: logLevel.NOTHING });
  const topics = await topicsToTail(kafka, topic, prefix);
  const consumer = kafka.consumer({ groupId: withPrefix(prefix, `crm-cli-tail-${process.pid}-${Date.now()}`), maxWaitTimeInMs: 100 });
  await consumer.connect();
  for (const t of topics) await consumer.subscribe({ topic: t, fromBeginning: opts.fromBeginning });
  const skipped = topic ? [] : MODULES.map((m) => topicName(m, prefix)).filter((t) => !topics.includes(t));
  (opts.status ?? ((l) => process.stderr.write(l)))(
    `tailing ${topics.join(', ')} on ${opts.brokers}${skipped.length ? ` (not on the broker yet: ${skipped.join(', ')})` : ''} (Ctrl-C to stop)\n`,
  );
  await consumer.run({
    eachMessage: async ({ topic: t, partition, message }) => {
      if (opts.json) {
        process.stdout.write(`${message.value?.toString()}\n`);
        return;
      }
      try {
        const e = decodeEvent(message.value);
        process.stdout.write(`${e.time}  ${e.type}  tenant=${e.tenantid}  subject=${e.subject}  [${t}/${partition}@${message.offset}]\n${JSON.stringify(e.data, null, 2)}\n\n`);
      } catch (err) {
        process.stdout.write(`${t}/${partition}@${message.offset}  INVALID: ${(err as Error).message}\n${message.value?.toString()}\n\n`);
      }
    },
  });
  await (opts.until ?? new Promise<void>((resolve) => process.once('SIGINT', () => resolve())));
  await consumer.disconnect();
}
