// Apache Kafka 4.x in a container for tests without KAFKA_BROKERS: the same broker generation (and image) as
// docker-compose.yml and infra/kafka, so tests never run against another broker than production.
// @testcontainers/kafka only drives Confluent's cp-kafka images, hence this small GenericContainer.
const { GenericContainer, Wait } = require('testcontainers');
const { Kafka, logLevel } = require('kafkajs');

const KAFKA_IMAGE = 'apache/kafka:4.4.0';
const HOST_PORT = 9092; // advertised to the tests, as host:mapped port
const START_SCRIPT = '/tmp/testcontainers-start.sh';
const WAITING = 'waiting for the start script';

/**
 * The broker must advertise the host's mapped port, known only once the container runs: it starts by
 * waiting for a script, which then exports the listeners and hands over to the image's own entry point.
 */
async function startApacheKafka() {
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts(HOST_PORT)
    .withEnvironment({
      CLUSTER_ID: '4L6g3nShT-eMCtK--X86sw',
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9094',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,BROKER://0.0.0.0:9093,CONTROLLER://0.0.0.0:9094',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withEntrypoint(['sh', '-c', `echo '${WAITING}'; while [ ! -f ${START_SCRIPT} ]; do sleep 0.1; done; exec bash ${START_SCRIPT}`])
    .withWaitStrategy(Wait.forLogMessage(WAITING))
    .withStartupTimeout(180_000)
    .start();
  const brokers = `${container.getHost()}:${container.getMappedPort(HOST_PORT)}`;
  await container.copyContentToContainer([
    {
      content: `#!/bin/bash\nexport KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://${brokers},BROKER://localhost:9093\nexec /etc/kafka/docker/run\n`,
      target: START_SCRIPT,
      mode: 0o755,
    },
  ]);
  await untilBrokerAnswers(brokers);
  return { container, brokers };
}

async function untilBrokerAnswers(brokers, timeoutMs = 120_000) {
  const admin = new Kafka({ clientId: 'testcontainers-probe', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      return;
    } catch (err) {
      await admin.disconnect().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`${KAFKA_IMAGE} did not answer on ${brokers}: ${err.message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

module.exports = { KAFKA_IMAGE, startApacheKafka };
