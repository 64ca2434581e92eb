import type { MigrationInterface, QueryRunner } from 'typeorm';
import pino from 'pino';
import { createDataSource, migrate, PlatformTables1764000000000, OutboxParking1764000000500, PlatformLeastPrivilege1764000000700, enableTenantIsolation, KafkaEventBus } from '../src';
import { adminQuery, freshSchema, kafkaBrokers } from '@crm/testing';

/** A tiny tenant-scoped table so tests can make "a state change" next to its event. */
export class NotesTable1764000000001 implements MigrationInterface {
  name = 'NotesTable1764000000001';
  async up(q: QueryRunner) {
    await q.query(`CREATE TABLE notes (id text PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL)`);
    await enableTenantIsolation(q, 'notes');
  }
  async down(q: QueryRunner) {
    await q.query('DROP TABLE notes');
  }
}

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function platformHarness() {
  const fresh = await freshSchema('plat');
  const ds = createDataSource({ url: fresh.url, schema: fresh.schema, entities: [], migrations: [PlatformTables1764000000000, OutboxParking1764000000500, PlatformLeastPrivilege1764000000700, NotesTable1764000000001], poolSize: 5, applicationName: 'platform-test' });
  await ds.initialize();
  await migrate(ds, fresh.schema);
  const bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: `test-${fresh.schema}`, logger: silentLogger });
  await bus.connect();
  return {
    schema: fresh.schema,
    /** The schema's own login (what the service runs as). */
    url: fresh.url,
    ds,
    bus,
    /** Plain SQL as the test admin (bypasses row-level security) in this schema: to look at what was written. */
    sql: <T = any>(query: string, params: unknown[] = []) => adminQuery<T>(query, params, fresh.schema),
    async close() {
      await bus.disconnect();
      await ds.destroy();
      await fresh.drop();
    },
  };
}
