import { randomUUID } from 'node:crypto';
import { envelope, ContactErasedV1, deadLetterTopic } from '@crm/events';
import { eventually, kafkaBrokers, uniqueId } from '@crm/testing';
import { IdempotentConsumer, readDeadLetters, replayDeadLetters } from '../src';
import { platformHarness, silentLogger } from './harness';

/** `crm events dlt list|replay`: what a consumer dead-lettered can be inspected and, once fixed, replayed. */
describe('dead letters: list and replay (real Kafka)', () => {
  let h: Awaited<ReturnType<typeof platformHarness>>;
  let topic: string;
  let consumer: IdempotentConsumer;
  let broken = true;
  const name = uniqueId('notes');

  beforeAll(async () => {
    h = await platformHarness();
    topic = uniqueId('dlt-test');
    await h.bus.ensureTopics([topic, deadLetterTopic(topic)]);
    consumer = new IdempotentConsumer(
      h.ds,
      h.bus,
      {
        name,
        topics: [topic],
        maxAttempts: 2,
        retryBackoffMs: 10,
        handlers: {
          [ContactErasedV1.type]: async (event, tx) => {
            if (broken) throw new Error('projection bug #42');
            await tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'replayed')`, [event.id, event.tenantid]);
          },
        },
      },
      silentLogger,
    );
    await consumer.start();
  });
  afterAll(async () => {
    await consumer.stop();
    await h.close();
  });

  it('lists a dead letter with its consumer and error, replays it after the fix, and the consumer applies it once', async () => {
    const contactId = randomUUID();
    const e = envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId: 't-dlt', data: { contactId, erasedAt: new Date().toISOString() } });
    await h.bus.publish([{ topic, key: e.subject, value: JSON.stringify(e) }]);
    const brokers = kafkaBrokers();
    const [letter] = await eventually(async () => {
      const l = await readDeadLetters(topic, { brokers });
      return l.length ? l : null;
    }, 30000, 'the dead letter');
    expect(letter).toMatchObject({ originalTopic: topic, consumer: name, error: 'projection bug #42', attempts: '2', eventId: e.id, eventType: ContactErasedV1.type, key: contactId });
    expect(await readDeadLetters(topic, { brokers, consumer: 'someone-else' })).toEqual([]);

    broken = false;
    expect((await replayDeadLetters(topic, { brokers, consumer: name })).map((d) => d.eventId)).toEqual([e.id]);
    await eventually(async () => (await h.sql(`SELECT 1 FROM notes WHERE id = $1`, [e.id])).length === 1, 30000, 'the replayed event applied');
    // Replaying again is harmless: the inbox knows the id.
    await replayDeadLetters(topic, { brokers, positions: [letter.position] });
    const marker = { ...e, id: randomUUID() };
    await h.bus.publish([{ topic, key: e.subject, value: JSON.stringify(marker) }]);
    await eventually(async () => (await h.sql(`SELECT 1 FROM notes WHERE id = $1`, [marker.id])).length === 1, 30000, 'a later event of the same key');
    expect((await h.sql(`SELECT count(*)::int AS n FROM notes WHERE id = $1`, [e.id]))[0].n).toBe(1);
    expect(await readDeadLetters(topic, { brokers })).toHaveLength(1);
  });
});
