import { beginTenantTx, requestStore } from '@crm/platform';
import { dataOf, planNodes, recordStatements, uniqueTenant } from '@crm/testing';
import { startContacts, type Harness } from './harness';

const CONTACTS = 4000;

/**
 * Issue 11: the contacts list keeps its plan when the planner has no statistics (a new schema
 * after a bulk import, before autovacuum analyzes it). Without them every equality is guessed at
 * 0.5 % of the rows; with an index on `contact_emails (contact_id)` alone, the row-level-security
 * predicate on `tenant_id` was AND-ed in from the primary key, and each listed contact scanned all
 * of the tenant's primary-key entries; the page itself was read by sorting the whole tenant. The
 * list's own statement (recorded from a real request) is EXPLAINed as the service runs it (its
 * role, the tenant bound) with the statistics wiped: the page must come from an ordered index scan
 * that stops after the page, and the per-contact emails and phones from one index each.
 */
describe('the contacts list without planner statistics', () => {
  let h: Harness;
  const tenantId = uniqueTenant();

  beforeAll(async () => {
    h = await startContacts();
    const s = `"${h.schema}"`;
    const tables = ['contacts', 'contact_emails', 'contact_phones', 'consents'].map((t) => `${s}.${t}`);
    // Autovacuum would analyze the tables while the test runs.
    for (const t of tables) await h.sql(`ALTER TABLE ${t} SET (autovacuum_enabled = false)`);
    for (const [tenant, n] of [[tenantId, CONTACTS], [uniqueTenant(), CONTACTS / 4]] as const) {
      await h.sql(
        `WITH c AS (INSERT INTO ${s}.contacts (id, tenant_id, first_name, last_name, display_name, created_at)
                    SELECT gen_random_uuid(), $1, 'F' || i, 'L' || i, 'F' || i || ' L' || i, now() - make_interval(secs => i) FROM generate_series(1, $2::int) i RETURNING id, tenant_id),
              e AS (INSERT INTO ${s}.contact_emails (tenant_id, normalized, email, contact_id, is_primary) SELECT tenant_id, id || '@x.example', id || '@x.example', id, true FROM c)
         INSERT INTO ${s}.contact_phones (tenant_id, e164, phone, contact_id, is_primary) SELECT tenant_id, '+' || id, '+' || id, id, true FROM c`,
        [tenant, n],
      );
    }
    // Never analyzed: what the planner knows after a bulk import into a new schema.
    await h.sql(`DELETE FROM pg_statistic WHERE starelid = ANY($1::regclass[])`, [tables]);
    await h.sql(`UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE relnamespace = $1::regnamespace`, [h.schema]);
  });
  afterAll(async () => h?.stop());

  it.each(['CREATED_AT_DESC', 'CREATED_AT_ASC', 'UPDATED_AT_DESC', 'LAST_NAME_ASC', 'DISPLAY_NAME_ASC'])('%s: the page by an ordered index scan, emails and phones by one index each, no BitmapAnd', async (orderBy) => {
    const rec = recordStatements(h.svc.dataSource, () => !!requestStore.getStore());
    try {
      const list = dataOf(await h.client({ tenantId })(`query($o: ContactOrder) { contacts(first: 50, orderBy: $o) { edges { node { id email phone } } } }`, { o: orderBy })).contacts;
      expect(list.edges).toHaveLength(50);
    } finally {
      rec.restore();
    }
    const page = rec.statements.filter((st) => /FROM contacts c\b/.test(st.sql));
    expect(page).toHaveLength(1);
    const qr = await beginTenantTx(h.svc.dataSource, tenantId);
    let nodes: string[];
    try {
      const [{ 'QUERY PLAN': [plan] }] = await qr.query(`EXPLAIN (FORMAT JSON) ${page[0].sql}`, page[0].params);
      nodes = planNodes(plan.Plan);
    } finally {
      await qr.query('ROLLBACK');
      await qr.release();
    }
    expect(nodes).not.toContain('BitmapAnd');
    expect(nodes).not.toContain('Sort');
    const scans = nodes.filter((n) => /Scan/.test(n));
    expect(scans.filter((n) => / on contacts| contacts_/.test(n))).toEqual([expect.stringMatching(/^Index Scan( Backward)? contacts_active_/)]);
    expect(scans.filter((n) => /contact_(emails|phones)/.test(n)).sort()).toEqual([expect.stringMatching(/contact_emails_contact_tenant$/), expect.stringMatching(/contact_phones_contact_tenant$/)]);
  });
});
