// kafkajs <-> broker compatibility check (admin, idempotent producer acks=-1,
// transactions, consumer group join/commit/resume, auto-created topics).
// kafkajs is resolved from the current directory first, so it can run from a
// scratch dir without touching the workspace:
//   mkdir -p /tmp/kjs && cd /tmp/kjs && npm i kafkajs@2.2.4 && node /path/to/infra/kafka/kafkajs-compat.js
// Env: BROKER (default 127.0.0.1:9092). Exits 0 and prints "ALL OK" on success.
const { Kafka, logLevel, CompressionTypes } = require(require.resolve('kafkajs', { paths: [process.cwd(), __dirname] }));
const broker = process.env.BROKER || '127.0.0.1:9092';
const kafka = new Kafka({ clientId: 'compat', brokers: [broker], logLevel: logLevel.WARN });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = [];
const ok = (name, extra = '') => { results.push(`PASS ${name} ${extra}`); console.log('PASS', name, extra); };
async function withTimeout(p, ms, what) {
  let t; const to = new Promise((_, rej) => (t = setTimeout(() => rej(new Error('timeout: ' + what)), ms)));
  try { return await Promise.race([p, to]); } finally { clearTimeout(t); }
}
(async () => {
  const run = Date.now();
  const topic = `compat-${run}`, autoTopic = `auto-${run}`, group = `g-${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
  ok('admin.createTopics');
  const topics = await admin.listTopics(); if (!topics.includes(topic)) throw new Error('topic missing'); ok('admin.listTopics');
  const md = await admin.fetchTopicMetadata({ topics: [topic] }); ok('admin.fetchTopicMetadata', `partitions=${md.topics[0].partitions.length}`);
  const cd = await admin.describeCluster(); ok('admin.describeCluster', `brokers=${cd.brokers.length} controller=${cd.controller}`);
  const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic }] }); ok('admin.describeConfigs', `entries=${cfg.resources[0].configEntries.length}`);
  await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] }); ok('admin.createPartitions');

  // idempotent producer, acks=-1
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const N = 20;
  const sent = await producer.send({ topic, acks: -1, messages: Array.from({ length: N }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}`, headers: { h: 'x' } })) });
  ok('producer idempotent acks=-1 send', JSON.stringify(sent.map((r) => [r.partition, r.baseOffset])));
  await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: [{ key: 'gz', value: 'gzipped' }] }); ok('producer gzip send');
  await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ value: 'b1' }] }, { topic: autoTopic, messages: [{ value: 'auto1' }] }] });
  ok('producer sendBatch + auto-created topic');
  const total = N + 2;

  // transactional producer
  const tx = kafka.producer({ transactionalId: `tx-${run}`, idempotent: true, maxInFlightRequests: 1 });
  await tx.connect();
  const t = await tx.transaction(); await t.send({ topic, messages: [{ value: 'tx1' }] }); await t.commit();
  ok('transactional producer commit');
  const t2 = await tx.transaction(); await t2.send({ topic, messages: [{ value: 'tx-aborted' }] }); await t2.abort();
  ok('transactional producer abort');
  await tx.disconnect();
  const expected = total + 1; // tx1 only (read_committed default isolation in kafkajs consumer)

  // consumer group: manual commits
  const seen = [];
  const c1 = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await c1.connect(); await c1.subscribe({ topic, fromBeginning: true });
  let joined = false; c1.on(c1.events.GROUP_JOIN, (e) => { joined = true; ok('consumer GROUP_JOIN', `leader=${e.payload.isLeader} assign=${JSON.stringify(e.payload.memberAssignment)}`); });
  await c1.run({ autoCommit: false, eachMessage: async ({ topic: tp, partition, message }) => {
    seen.push(message.value.toString());
    await c1.commitOffsets([{ topic: tp, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  } });
  await withTimeout((async () => { while (seen.length < expected) await sleep(100); })(), 30000, `consume ${seen.length}/${expected}`);
  if (seen.includes('tx-aborted')) throw new Error('aborted tx visible');
  ok('consumer consumed all', `${seen.length} msgs, aborted tx hidden`);
  ok('consumer commitOffsets');
  await c1.disconnect();
  const offs = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  ok('admin.fetchOffsets', JSON.stringify(offs[0].partitions.map((p) => [p.partition, p.offset])));
  const dg = await admin.describeGroups([group]); ok('admin.describeGroups', `state=${dg.groups[0].state} protocolType=${dg.groups[0].protocolType}`);
  const lg = await admin.listGroups(); ok('admin.listGroups', `n=${lg.groups.length}`);

  // resume from committed offsets + autoCommit, two members rebalance
  await producer.send({ topic, acks: -1, messages: [{ value: 'after-restart-1' }, { value: 'after-restart-2' }, { value: 'after-restart-3' }] });
  const seen2 = [];
  const mk = async (name) => { const c = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 1000 }); await c.connect(); await c.subscribe({ topic, fromBeginning: true });
    await c.run({ autoCommit: true, autoCommitInterval: 500, eachMessage: async ({ message }) => { seen2.push(`${name}:${message.value}`); } }); return c; };
  const a = await mk('a'); const b = await mk('b');
  await withTimeout((async () => { while (seen2.length < 3) await sleep(100); })(), 30000, `resume ${seen2.length}/3`);
  await sleep(1500);
  if (seen2.length !== 3) throw new Error('resumed consumer re-read committed messages: ' + seen2.length);
  ok('consumer group resume from committed offsets (2 members, autoCommit)', JSON.stringify(seen2));
  await a.disconnect(); await b.disconnect();
  const offs2 = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  ok('autoCommit persisted', JSON.stringify(offs2[0].partitions.map((p) => [p.partition, p.offset])));
  await admin.resetOffsets({ groupId: group, topic, earliest: true }); ok('admin.resetOffsets');
  await admin.deleteGroups([group]); ok('admin.deleteGroups');
  await admin.deleteTopics({ topics: [topic, autoTopic] }); ok('admin.deleteTopics');
  await producer.disconnect(); await admin.disconnect();
  console.log(`ALL OK (${results.length} checks) in ${Date.now() - run}ms`);
  process.exit(0);
})().catch((e) => { console.error('FAIL', e && (e.stack || e)); process.exit(1); });
