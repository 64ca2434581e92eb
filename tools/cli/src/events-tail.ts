import { Kafka, logLevel } from 'kafkajs';
import { MODULES, TOPICS, decodeEvent } from '@crm/events';

/** Pretty-prints events from Kafka as an integrator would consume them (own throwaway group). */
export async function tailEvents(topic: string | undefined, opts: { brokers: string; fromBeginning: boolean; json: boolean }) {
  const topics = topic ? [topic] : MODULES.map((m) => TOPICS[m]);
  const kafka = new Kafka({ clientId: 'crm-cli-tail', brokers: opts.brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `crm-cli-tail-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  for (const t of topics) await consumer.subscribe({ topic: t, fromBeginning: opts.fromBeginning });
  process.stderr.write(`tailing ${topics.join(', ')} on ${opts.brokers} (Ctrl-C to stop)\n`);
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
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await consumer.disconnect();
}
