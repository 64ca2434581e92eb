import { planNodeOn, planNodes } from '@crm/testing';
import { CLAIM_SORTS_OFF, claimSql, createJobTable, JobScheduler, type JobRow } from '../src';
import { platformHarness, silentLogger } from './harness';

/**
 * A scheduler sweep costs its batch, not the backlog: with statistics older than a backlog of due
 * jobs, the claim still walks the pending index in due order and stops at the batch, instead of
 * fetching and sorting every due job at every sweep.
 */
describe('job scheduler claim plan (real Postgres)', () => {
  let h: Awaited<ReturnType<typeof platformHarness>>;
  beforeAll(async () => {
    h = await platformHarness();
  });
  afterAll(async () => h?.close());

  it('claims the first batch of 20,000 due jobs through the pending index, with no full sort, while the statistics are stale', async () => {
    const qr = h.ds.createQueryRunner();
    try {
      await createJobTable(qr, 'plan_jobs');
    } finally {
      await qr.release();
    }
    await h.sql(`ALTER TABLE plan_jobs SET (autovacuum_enabled = false)`);
    await h.sql(`INSERT INTO plan_jobs (id, tenant_id, due_at) SELECT gen_random_uuid(), 't' || (g % 3), now() - make_interval(secs => g % 600) FROM generate_series(1, 20000) g`);
    const [{ reltuples }] = await h.sql(`SELECT reltuples FROM pg_class WHERE oid = 'plan_jobs'::regclass`);
    expect(reltuples).toBeLessThan(20000); // never analysed since the backlog arrived

    const plan = await h.ds.transaction(async (m) => {
      await m.query(CLAIM_SORTS_OFF);
      const [row] = await m.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${claimSql('plan_jobs')}`, [new Date(), 50]);
      return row['QUERY PLAN'][0];
    });
    const nodes = planNodes(plan.Plan);
    expect(nodes).toContain('Index Scan plan_jobs_pending');
    expect(nodes).not.toContain('Sort'); // an incremental sort within equal due times is fine
    const scan = planNodeOn(plan.Plan, 'plan_jobs_pending')!;
    expect(scan['Actual Rows']).toBeLessThan(1000);

    // A real sweep puts sorts back before its handlers run: their queries are planned as usual.
    const seen: string[] = [];
    await new JobScheduler<JobRow>(h.ds, { emit: async () => undefined }, silentLogger, {
      name: 'plan jobs',
      table: 'plan_jobs',
      batch: 3,
      pollMs: 50,
      handle: async (tx) => void seen.push((await tx.one<{ v: string }>(`SELECT current_setting('enable_sort') AS v`)).v),
    }).sweep();
    expect(seen).toEqual(['on', 'on', 'on']);
  });
});
