import { beginTenantTx, requestStore } from '@crm/platform';
import { dataOf, planNodes, recordStatements, uniqueTenant } from '@crm/testing';
import { startSales, type Harness } from './harness';

const CONTACTS = 4000;

/**
 * Issue 11: a list of 50 contacts with their lifetime value keeps its plan when the planner has no
 * statistics (a new schema after an import). Without them, `contact_id = ANY(…) AND status = 'won'`
 * was read from the owner index (tenant, owner, status) — every won deal of the tenant — and the
 * "won deal without an order" check had no index on orders by deal. The statement, recorded from a
 * real `_entities` request, is EXPLAINed as the service runs it (its role, the tenant bound) with
 * the statistics wiped.
 */
describe('lifetime value without planner statistics', () => {
  let h: Harness;
  const tenantId = uniqueTenant();
  let contactIds: string[];

  beforeAll(async () => {
    h = await startSales();
    const s = `"${h.schema}"`;
    const tables = ['deals', 'orders', 'pipelines', 'stages'].map((t) => `${s}.${t}`);
    for (const t of tables) await h.sql(`ALTER TABLE ${t} SET (autovacuum_enabled = false)`);
    for (const tenant of [tenantId, uniqueTenant()]) {
      await h.sql(
        `WITH p AS (INSERT INTO ${s}.pipelines (id, tenant_id, name, is_default) VALUES (gen_random_uuid(), $1, 'P', true) RETURNING id),
              st AS (INSERT INTO ${s}.stages (id, tenant_id, pipeline_id, name, position, probability) SELECT gen_random_uuid(), $1, id, 'S', 1, 10 FROM p RETURNING id, pipeline_id),
              d AS (INSERT INTO ${s}.deals (id, tenant_id, title, contact_id, owner_id, pipeline_id, stage_id, amount, currency, status, created_by)
                    SELECT gen_random_uuid(), $1, 'D' || i, gen_random_uuid(), 'u' || i % 3, st.pipeline_id, st.id, 100, 'EUR', CASE WHEN i % 3 = 0 THEN 'won' ELSE 'open' END, 'u'
                    FROM st, generate_series(1, $2::int) i RETURNING id, contact_id, status)
         INSERT INTO ${s}.orders (id, tenant_id, number, contact_id, deal_id, owner_id, channel, currency, prices_include_tax, subtotal, discount_total, tax_total, total, created_by)
         SELECT gen_random_uuid(), $1, 'O-' || id, contact_id, id, 'u', 'direct', 'EUR', false, 30, 0, 0, 30, 'u' FROM d WHERE status = 'won' AND random() < 0.5`,
        [tenant, CONTACTS],
      );
    }
    contactIds = (await h.sql(`SELECT contact_id FROM ${s}.deals WHERE tenant_id = $1 ORDER BY title LIMIT 50`, [tenantId])).map((r) => r.contact_id);
    await h.sql(`DELETE FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class WHERE relnamespace = $1::regnamespace)`, [h.schema]);
    await h.sql(`UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE relnamespace = $1::regnamespace`, [h.schema]);
  });
  afterAll(async () => h?.stop());

  it('the won deals by each contact’s own rows, the orders of a deal by deal', async () => {
    const rec = recordStatements(h.svc.dataSource, () => !!requestStore.getStore());
    try {
      const representations = contactIds.map((id) => ({ __typename: 'Contact', id }));
      const ents = dataOf(await h.client({ tenantId })(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id lifetimeValue { amount currency } } } }`, { r: representations }))._entities;
      expect(ents.filter((e: any) => e.lifetimeValue.length).length).toBeGreaterThan(0);
    } finally {
      rec.restore();
    }
    const ltv = rec.statements.filter((st) => /btrim\(currency\)/.test(st.sql));
    expect(ltv).toHaveLength(1);
    const qr = await beginTenantTx(h.svc.dataSource, tenantId);
    let nodes: string[];
    try {
      const [{ 'QUERY PLAN': [plan] }] = await qr.query(`EXPLAIN (FORMAT JSON) ${ltv[0].sql}`, ltv[0].params);
      nodes = planNodes(plan.Plan);
    } finally {
      await qr.query('ROLLBACK');
      await qr.release();
    }
    expectPerContact(nodes);
  });

  it('one contact: the plan Postgres keeps for the statement (its generic plan) reads the same indexes', async () => {
    // A customer-360 asks for one contact: Tx.prepared sends the one-key form, whose generic plan
    // Postgres plans once and keeps — so that plan, made without statistics, must be the right one.
    const rec = recordStatements(h.svc.dataSource, () => !!requestStore.getStore());
    try {
      const one = dataOf(await h.client({ tenantId })(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id lifetimeValue { amount currency } } } }`, { r: [{ __typename: 'Contact', id: contactIds[0] }] }))._entities;
      expect(one).toHaveLength(1);
    } finally {
      rec.restore();
    }
    const [ltv] = rec.statements.filter((st) => /btrim\(currency\)/.test(st.sql));
    expect(ltv.params).toEqual([tenantId, contactIds[0]]);
    const qr = await beginTenantTx(h.svc.dataSource, tenantId);
    let nodes: string[];
    try {
      await qr.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      await qr.query(`PREPARE lifetime_value_generic AS ${ltv.sql}`);
      // EXECUTE takes no bind parameters: its arguments as literals.
      const args = (ltv.params as string[]).map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
      const [{ 'QUERY PLAN': [plan] }] = await qr.query(`EXPLAIN (FORMAT JSON) EXECUTE lifetime_value_generic(${args})`);
      nodes = planNodes(plan.Plan);
    } finally {
      await qr.query('ROLLBACK');
      // Only this one: the driver's own prepared statements on this connection must stay.
      await qr.query('DEALLOCATE lifetime_value_generic');
      await qr.release();
    }
    expectPerContact(nodes);
  });
});

/** The won deals read by each contact's own rows, the orders of a deal by deal (not the owner index). */
function expectPerContact(nodes: string[]): void {
  // The index each scan reads ("Index Scan deals_contact", "Bitmap Index Scan orders_deal", …).
  const indexes = nodes.filter((n) => /Scan/.test(n)).map((n) => n.split(' ').at(-1)!);
  expect(indexes.filter((i) => i.startsWith('deals_'))).toEqual(['deals_contact']);
  expect(indexes.filter((i) => i.startsWith('orders_')).sort()).toEqual(['orders_contact', 'orders_deal']);
}
