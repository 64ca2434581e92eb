import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { deadLetterTopic } from '@crm/events';
import { kafkaBrokers, uniqueId } from '@crm/testing';
import { ConfigError, DEFAULT_EVENT_RETENTION, eventLogExpiry, eventRetention, KafkaEventBus, loadConfig, serviceConfigSchema, type ServiceDefinition } from '../src';

/** Log lines a bus writes, parsed (what an operator reads at start). */
function capturingLogger() {
  const lines: { level: number; msg: string; topic?: string; setting?: string; actual?: string; expected?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

async function topicConfig(admin: Admin, topic: string): Promise<Record<string, string>> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'segment.ms', 'cleanup.policy'] }],
  });
  return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
}

/** Erasure reaches the log only through retention: topics get an explicit one, and a longer one is reported. */
describe('event topic retention (real Kafka)', () => {
  let admin: Admin;
  const buses: KafkaEventBus[] = [];
  const created: string[] = [];

  const bus = async (hours: number) => {
    const cap = capturingLogger();
    const b = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: uniqueId('retention-test'), logger: cap.logger, retention: eventRetention(hours) });
    await b.connect();
    buses.push(b);
    return { bus: b, lines: cap.lines };
  };

  beforeAll(async () => {
    admin = new Kafka({ clientId: 'retention-test-admin', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.disconnect()));
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates event topics and their dead-letter topics with the configured retention.ms (and a segment.ms that bounds expiry)', async () => {
    const topic = uniqueId('retention-new');
    created.push(topic, deadLetterTopic(topic));
    const { bus: b, lines } = await bus(36);
    await b.ensureTopics([topic, deadLetterTopic(topic)]);
    for (const t of [topic, deadLetterTopic(topic)]) {
      expect(await topicConfig(admin, t)).toMatchObject({ 'retention.ms': String(36 * 3_600_000), 'segment.ms': String(24 * 3_600_000), 'cleanup.policy': 'delete' });
    }
    expect(lines.filter((l) => /retention|topic/i.test(l.msg))).toEqual([]);
  });

  it('warns at start, naming topic, setting and fix, about an existing topic that keeps events longer — and leaves it as the operator set it', async () => {
    const topic = uniqueId('retention-operator');
    created.push(topic);
    const thirtyDays = String(30 * 24 * 3_600_000);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: thirtyDays }] }] });

    const { bus: b, lines } = await bus(168);
    await b.ensureTopics([topic]);

    const warning = lines.find((l) => l.setting === 'retention.ms');
    expect(warning).toMatchObject({ level: 40, topic, actual: thirtyDays, expected: String(168 * 3_600_000) });
    expect(warning!.msg).toContain(`kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config retention.ms=${168 * 3_600_000}`);
    expect((await topicConfig(admin, topic))['retention.ms']).toBe(thirtyDays);
    expect(await b.checkRetention([topic])).toEqual(
      expect.arrayContaining([{ topic, setting: 'retention.ms', actual: thirtyDays, expected: String(168 * 3_600_000) }]),
    );
  });

  it('reports infinite retention and a compacted topic too, and is quiet about a topic with a shorter retention', async () => {
    const infinite = uniqueId('retention-infinite');
    const compacted = uniqueId('retention-compacted');
    const shorter = uniqueId('retention-shorter');
    created.push(infinite, compacted, shorter);
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: infinite, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '-1' }] },
        { topic: compacted, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '3600000' }, { name: 'segment.ms', value: '3600000' }] },
        { topic: shorter, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'segment.ms', value: '3600000' }] },
      ],
    });
    const { bus: b } = await bus(168);
    const problems = await b.checkRetention([infinite, compacted, shorter]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topic: infinite, setting: 'retention.ms', actual: '-1' }),
        expect.objectContaining({ topic: compacted, setting: 'cleanup.policy', actual: 'compact' }),
      ]),
    );
    expect(problems.filter((p) => p.topic === shorter)).toEqual([]);
  });
});

describe('retention configuration', () => {
  const def = { name: 'contacts', defaultPort: 4001 } as ServiceDefinition;
  const env = { DATABASE_URL: 'postgres://x@h/db', GATEWAY_INTERNAL_SECRET: '0123456789abcdef0123' };

  it('defaults to 7 days of events and an inbox window of twice that', () => {
    const c = loadConfig(serviceConfigSchema(def), env);
    expect(c.EVENT_RETENTION_HOURS).toBe(168);
    expect(c.INBOX_RETENTION_HOURS).toBeUndefined();
    expect(eventRetention(168)).toEqual(DEFAULT_EVENT_RETENTION);
  });

  it('refuses an inbox window shorter than the event retention, naming the variable', () => {
    expect(() => loadConfig(serviceConfigSchema(def), { ...env, EVENT_RETENTION_HOURS: '48', INBOX_RETENTION_HOURS: '24' })).toThrow(ConfigError);
    expect(() => loadConfig(serviceConfigSchema(def), { ...env, EVENT_RETENTION_HOURS: '48', INBOX_RETENTION_HOURS: '24' })).toThrow(/INBOX_RETENTION_HOURS: must be at least EVENT_RETENTION_HOURS \(48\)/);
    expect(loadConfig(serviceConfigSchema(def), { ...env, EVENT_RETENTION_HOURS: '48', INBOX_RETENTION_HOURS: '48' }).INBOX_RETENTION_HOURS).toBe(48);
  });

  it('tells when the copies in the log are gone at the latest: retention + one segment + the broker check interval', () => {
    const erasedAt = new Date('2026-01-01T00:00:00Z');
    expect(eventLogExpiry(eventRetention(168), erasedAt).toISOString()).toBe('2026-01-09T00:05:00.000Z');
    expect(eventLogExpiry(eventRetention(2), erasedAt).toISOString()).toBe('2026-01-01T04:05:00.000Z');
  });
});
