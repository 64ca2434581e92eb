import { spawnSync } from 'node:child_process';
import { kafkaBrokers, uniqueId } from '@crm/testing';

/**
 * kafkajs 2.2.4 (its last release) schedules its pending-request check with a negative delay when
 * nothing is throttled, so Node 24 prints `TimeoutNegativeWarning` at every service boot, and the
 * check re-arms itself every millisecond for as long as a connection is open (kafkajs#1751, #1704).
 * We carry a pnpm patch (patches/kafkajs@2.2.4.patch); this runs the real client in a child process
 * (warnings are per process) against the real broker and reads what it prints.
 */
describe('kafkajs client (real Kafka)', () => {
  it('connects, produces and idles without TimeoutNegativeWarning or a 1 ms timer loop', () => {
    const script = `
      const { Kafka, logLevel } = require(${JSON.stringify(require.resolve('kafkajs'))});
      const realSetTimeout = global.setTimeout;
      let idleTimers = 0, counting = false;
      global.setTimeout = (fn, ms, ...args) => { if (counting && !(ms > 1)) idleTimers++; return realSetTimeout(fn, ms, ...args); };
      (async () => {
        const kafka = new Kafka({ clientId: 'warning-probe', brokers: ${JSON.stringify(kafkaBrokers())}, logLevel: logLevel.NOTHING });
        const admin = kafka.admin();
        const producer = kafka.producer({ allowAutoTopicCreation: false });
        await admin.connect();
        await producer.connect();
        const topic = ${JSON.stringify(uniqueId('warning-probe'))};
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
        await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
        await admin.fetchTopicMetadata({ topics: [topic] });
        counting = true;
        await new Promise((r) => realSetTimeout(r, 1000));
        counting = false;
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await producer.disconnect();
        await admin.disconnect();
        process.stdout.write(JSON.stringify({ idleTimers }));
      })().catch((err) => { console.error(err); process.exit(2); });
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000, env: { ...process.env, NODE_OPTIONS: '', KAFKAJS_NO_PARTITIONER_WARNING: '1' } });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/TimeoutNegativeWarning|negative number/);
    // Unpatched, an idle connection re-arms a ≤1 ms timer hundreds of times a second.
    expect(JSON.parse(r.stdout).idleTimers).toBeLessThan(20);
  });
});
