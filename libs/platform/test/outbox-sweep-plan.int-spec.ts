import { planNodeOn, planNodes } from '@crm/testing';
import { READY_ROWS, SWEEP_START } from '../src';
import { platformHarness } from './harness';

/**
 * A relay sweep costs what its batch costs, not what the backlog costs: with statistics that predate
 * the backlog (a bulk import, a new installation; autovacuum has not come round), the ready-rows
 * query still walks outbox_unpublished in seq order and stops at the batch, instead of testing and
 * sorting every unpublished row (which made a 100,000-row import's sweeps quadratic).
 */
describe('outbox relay sweep plan (real Postgres)', () => {
  let h: Awaited<ReturnType<typeof platformHarness>>;
  beforeAll(async () => {
    h = await platformHarness();
  });
  afterAll(async () => h?.close());

  it('reads the first batch of a 20,000-row backlog through the index, with no sort, while the statistics are stale', async () => {
    await h.sql(`ALTER TABLE outbox SET (autovacuum_enabled = false)`);
    await h.sql(
      `INSERT INTO outbox (id, topic, key, type, tenant_id, payload)
       SELECT gen_random_uuid(), 'crm.test', gen_random_uuid()::text, 'crm.test.v1', 't' || (g % 3), jsonb_build_object('data', jsonb_build_object('n', g, 'text', repeat('x', 600)))
         FROM generate_series(1, 20000) g`,
    );
    const [{ reltuples }] = await h.sql(`SELECT reltuples FROM pg_class WHERE oid = 'outbox'::regclass`);
    expect(reltuples).toBeLessThan(20000); // never analysed since the backlog arrived

    const plan = await h.ds.transaction(async (m) => {
      const [{ locked }] = await m.query(SWEEP_START, [`${h.schema}.outbox`]);
      expect(locked).toBe(true);
      const [row] = await m.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${READY_ROWS}`, [500]);
      return row['QUERY PLAN'][0];
    });
    const nodes = planNodes(plan.Plan);
    expect(nodes).toContain('Index Scan outbox_unpublished');
    expect(nodes).not.toContain('Sort');
    // It stopped at the batch: the scan of the backlog returned 500 rows, not 20,000.
    const scan = planNodeOn(plan.Plan, 'outbox_unpublished')!;
    expect(scan['Actual Rows']).toBe(500);
  });
});
