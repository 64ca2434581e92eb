import { dataOf, uniqueTenant } from '@crm/testing';
import { MARKETING_TENANT_TABLES } from '../migrations/1796153645498-MarketingSchema';
import { startMarketing, type Harness } from './harness';

/** Tenancy of the marketing module: every tenant table under forced RLS, and one tenant never sees another's rows. */
describe('marketing tenancy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startMarketing();
  });
  afterAll(async () => h?.stop());

  it('every tenant table has tenant_id and forced row-level security', async () => {
    const rows = await h.sql<{ t: string; rls: boolean; forced: boolean; tenant: boolean }>(
      `SELECT c.relname AS t, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) ORDER BY 1`,
      [h.schema, [...MARKETING_TENANT_TABLES]],
    );
    expect(rows).toEqual([...MARKETING_TENANT_TABLES].sort().map((t) => ({ t, rls: true, forced: true, tenant: true })));
  });

  it('a tenant sees only its own segments, also when it asks for another tenant’s by id or adds another tenant’s contact', async () => {
    const a = uniqueTenant();
    const b = uniqueTenant();
    const ca = await h.contact(a);
    const mine = dataOf(await h.client({ tenantId: a })(`mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id } }`, { i: { name: 'A', kind: 'STATIC' } })).createSegment;
    const gqlB = h.client({ tenantId: b });
    expect(dataOf(await gqlB(`{ segments { id } }`)).segments).toEqual([]);
    expect(dataOf(await gqlB(`query($id: ID!) { segment(id: $id) { id } }`, { id: mine.id })).segment).toBeNull();
    // B cannot add A's contact to a list of its own: the replica is per tenant.
    const listB = dataOf(await gqlB(`mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id } }`, { i: { name: 'B', kind: 'STATIC' } })).createSegment;
    const r = await gqlB(`mutation($id: ID!, $c: [ID!]!) { addToList(id: $id, contactIds: $c) { id } }`, { id: listB.id, c: [ca.contactId] });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
