import type { MigrationInterface, QueryRunner } from 'typeorm';
import { freshSchema } from '@crm/testing';
import { createDataSource, migrate, PlatformInboxRetention1764000000600, PlatformTables1764000000000 } from '../src';

/** Records every run of a migration, so a race that runs it twice shows. */
class RunLog1764000000010 implements MigrationInterface {
  name = 'RunLog1764000000010';
  async up(q: QueryRunner) {
    await q.query(`CREATE TABLE run_log (migration text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    await q.query(`INSERT INTO run_log (migration) VALUES ($1)`, [this.name]);
  }
  async down(q: QueryRunner) {
    await q.query('DROP TABLE run_log');
  }
}

/** A slow one, as a real data migration is: the other replica arrives while it runs. */
class SlowBackfill1764000000020 implements MigrationInterface {
  name = 'SlowBackfill1764000000020';
  async up(q: QueryRunner) {
    await q.query(`SELECT pg_sleep(0.5)`);
    await q.query(`INSERT INTO run_log (migration) VALUES ($1)`, [this.name]);
  }
  async down() {}
}

/** Two replicas booting at once on a fresh schema (e.g. a new deployment scaled to 2). */
describe('migrations under concurrency (real Postgres)', () => {
  it('two concurrent migrate() calls on one fresh schema both succeed and each migration runs exactly once', async () => {
    const fresh = await freshSchema('miglock');
    const migrations = [PlatformTables1764000000000, PlatformInboxRetention1764000000600, RunLog1764000000010, SlowBackfill1764000000020];
    // Pools of one: the lock must not need a second pooled connection.
    const replicas = [1, 2].map((i) => createDataSource({ url: fresh.url, schema: fresh.schema, entities: [], migrations, poolSize: 1, applicationName: `replica-${i}` }));
    try {
      await Promise.all(replicas.map((ds) => ds.initialize()));
      const ran = await Promise.all(replicas.map((ds) => migrate(ds, fresh.schema)));

      // One replica ran everything, the other found nothing pending.
      expect(ran.map((r) => r.length).sort()).toEqual([0, migrations.length]);
      const [ds] = replicas;
      const runs = await ds.query(`SELECT migration, count(*)::int AS n FROM run_log GROUP BY migration ORDER BY migration`);
      expect(runs).toEqual([
        { migration: 'RunLog1764000000010', n: 1 },
        { migration: 'SlowBackfill1764000000020', n: 1 },
      ]);
      const recorded = await ds.query(`SELECT name, count(*)::int AS n FROM migrations GROUP BY name`);
      expect(recorded).toHaveLength(migrations.length);
      expect(recorded.every((r: { n: number }) => r.n === 1)).toBe(true);
      // The lock is released: a later start migrates (nothing) without waiting.
      expect(await migrate(replicas[1], fresh.schema)).toEqual([]);
    } finally {
      await Promise.all(replicas.map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
      await fresh.drop();
    }
  });
});
