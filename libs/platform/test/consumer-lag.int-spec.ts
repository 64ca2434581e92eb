import { KafkaEventBus, ServiceMetrics } from '../src';
import { kafkaBrokers, uniqueId } from '@crm/testing';
import { silentLogger } from './harness';

/** `crm_consumer_lag` is read from the broker at scrape time: what a group has not committed yet. */
describe('consumer lag (real Kafka)', () => {
  let bus: KafkaEventBus;
  beforeAll(async () => {
    bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: uniqueId('lag-test'), logger: silentLogger, partitions: 2 });
    await bus.connect();
  });
  afterAll(() => bus.disconnect());

  it('counts uncommitted events per topic and drops to zero once the group has consumed them', async () => {
    const topic = uniqueId('lag-topic');
    const groupId = uniqueId('lag-group');
    await bus.ensureTopics([topic]);
    await bus.publish(Array.from({ length: 7 }, (_, i) => ({ topic, key: `k${i}`, value: JSON.stringify({ i }) })));
    expect(await bus.consumerLag(groupId, [topic])).toEqual([{ topic, lag: 7 }]);

    const metrics = new ServiceMetrics('lag-spec');
    metrics.watchConsumerLag(async () => (await bus.consumerLag(groupId, [topic])).map((r) => ({ consumer: 'lag-spec.consumer', ...r })));
    expect(await metrics.registry.getSingleMetricAsString('crm_consumer_lag')).toContain(`crm_consumer_lag{consumer="lag-spec.consumer",topic="${topic}",service="lag-spec"} 7`);

    let seen = 0;
    const sub = await bus.subscribe({ groupId, topics: [topic], fromBeginning: true, handle: async () => void seen++ });
    try {
      const deadline = Date.now() + 30000;
      let lag = 7;
      while (Date.now() < deadline && (seen < 7 || lag > 0)) {
        await new Promise((r) => setTimeout(r, 200));
        lag = (await bus.consumerLag(groupId, [topic]))[0].lag;
      }
      expect(seen).toBe(7);
      expect(lag).toBe(0);
    } finally {
      await sub.close();
    }
    expect(await metrics.registry.getSingleMetricAsString('crm_consumer_lag')).toContain(`topic="${topic}",service="lag-spec"} 0`);
  });
});
