// Integration specs need a real PostgreSQL and a real Kafka broker. Order of preference:
// DATABASE_URL / KAFKA_BROKERS from the environment (CI, `pnpm test` provisions them), else
// testcontainers when a Docker engine answers. Nothing found is a failure, never a skip.
const { existsSync } = require('node:fs');

module.exports = async function globalSetup() {
  const missing = [];
  if (!process.env.DATABASE_URL) missing.push('DATABASE_URL');
  if (!process.env.KAFKA_BROKERS) missing.push('KAFKA_BROKERS');
  if (missing.length === 0) return;
  const dockerReachable = existsSync('/var/run/docker.sock') || !!process.env.DOCKER_HOST;
  if (dockerReachable) {
    try {
      const { PostgreSqlContainer } = require('@testcontainers/postgresql');
      const { startApacheKafka } = require('./apache-kafka-container');
      if (!process.env.DATABASE_URL) {
        const pg = await new PostgreSqlContainer('postgres:17-alpine').start();
        globalThis.__CRM_PG__ = pg;
        process.env.DATABASE_URL = pg.getConnectionUri();
      }
      if (!process.env.KAFKA_BROKERS) {
        const kafka = await startApacheKafka();
        globalThis.__CRM_KAFKA__ = kafka.container;
        process.env.KAFKA_BROKERS = kafka.brokers;
      }
      return;
    } catch (err) {
      throw new Error(`testcontainers could not start ${missing.join(' and ')}: ${err.message}`);
    }
  }
  throw new Error(
    `integration tests need ${missing.join(' and ')} (no Docker engine for testcontainers either). ` +
      'Run them with `pnpm test`, which starts an embedded PostgreSQL and the infra/ Kafka broker, or export the variables.',
  );
};
