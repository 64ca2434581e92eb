import { Client } from 'pg';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/platform';
import { dataOf, schemaUrl, postGraphql, TEST_INTERNAL_SECRET, uniqueTenant } from '@crm/testing';
import { Q, expectError, startContacts, type Gql, type Harness } from './harness';

describe('tenant isolation and authentication', () => {
  let h: Harness;
  const tenantA = uniqueTenant();
  const tenantB = uniqueTenant();
  let a: Gql;
  let b: Gql;
  let contactA: any;
  let companyA: any;
  let footprintA: Record<string, number>;

  beforeAll(async () => {
    h = await startContacts();
    a = h.client({ tenantId: tenantA });
    b = h.client({ tenantId: tenantB });
    companyA = dataOf(await a(Q.createCompany, { i: { name: 'Secret Corp' } })).createCompany;
    await a(Q.defineField, { i: { key: 'secret_level', label: 'Secret level', type: 'NUMBER' } });
    contactA = dataOf(
      await a(Q.create, { i: { firstName: 'Alice', lastName: 'Private', email: 'alice@secret.example', phone: '+1 212 555 0100', companyId: companyA.id, customFields: [{ key: 'secret_level', value: '9' }] } }),
    ).createContact;
    dataOf(await a(Q.setConsent, { i: { contactId: contactA.id, channel: 'EMAIL', granted: true } }));
    dataOf(await a(Q.logInteraction, { i: { contactId: contactA.id, kind: 'NOTE', summary: 'confidential' } }));
    contactA = dataOf(await a(Q.contact, { id: contactA.id })).contact;
    footprintA = await h.footprint(tenantA);
  });
  afterAll(async () => {
    await h?.stop();
  });

  describe("tenant B cannot see or change tenant A's data", () => {
    afterEach(async () => {
      expect(await h.footprint(tenantA)).toEqual(footprintA);
      expect(dataOf(await a(Q.contact, { id: contactA.id })).contact).toEqual(contactA);
    });

    it('reads: contact, contacts (list and search), _entities, company, companies, export, custom fields', async () => {
      expect(dataOf(await b(Q.contact, { id: contactA.id })).contact).toBeNull();
      const list = dataOf(await b(Q.list, { first: 100 })).contacts;
      expect(list).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
      for (const search of ['alice', 'alice@secret.example', '2125550100', 'secret corp']) {
        expect(dataOf(await b(Q.list, { filter: { search } })).contacts.totalCount).toBe(0);
      }
      expect(dataOf(await b(Q.list, { filter: { companyId: companyA.id } })).contacts.totalCount).toBe(0);
      const entities = dataOf(
        await b(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id displayName } ... on Company { id name } } }`, {
          r: [{ __typename: 'Contact', id: contactA.id }, { __typename: 'Company', id: companyA.id }],
        }),
      )._entities;
      expect(entities).toEqual([null, null]);
      // …while tenant A resolves the same references (the query itself works).
      const own = dataOf(await a(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id displayName } } }`, { r: [{ __typename: 'Contact', id: contactA.id }] }))._entities;
      expect(own).toEqual([{ id: contactA.id, displayName: 'Alice Private' }]);

      expect(dataOf(await b(`query($id: ID!) { company(id: $id) { id name } }`, { id: companyA.id })).company).toBeNull();
      expect(dataOf(await b(`{ companies { edges { node { id } } } }`)).companies.edges).toEqual([]);
      expectError(await b(Q.exportData, { id: contactA.id }), 'NOT_FOUND');
      expect(dataOf(await b(Q.exportCsv)).exportContactsCsv.trim().split('\n')).toHaveLength(1); // header only
      expect(dataOf(await b(Q.fieldDefs)).customFieldDefinitions).toEqual([]);
    });

    it('writes: update, merge, erase, updateCompany → NOT_FOUND; A’s contactId and companyId inside an input are unknown to B (BAD_USER_INPUT naming the field)', async () => {
      const mine = dataOf(await b(Q.create, { i: { firstName: 'Bob', email: 'alice@secret.example' } })).createContact; // same email: no cross-tenant duplicate
      expectError(await b(Q.update, { id: contactA.id, i: { firstName: 'Hacked' } }), 'NOT_FOUND');
      expectError(await b(Q.merge, { s: mine.id, d: contactA.id }), 'NOT_FOUND');
      expectError(await b(Q.merge, { s: contactA.id, d: mine.id }), 'NOT_FOUND');
      expectError(await b(Q.erase, { id: contactA.id }), 'NOT_FOUND');
      for (const r of [
        await b(Q.setConsent, { i: { contactId: contactA.id, channel: 'EMAIL', granted: false } }),
        await b(Q.logInteraction, { i: { contactId: contactA.id, kind: 'NOTE', summary: 'x' } }),
      ]) {
        expect(expectError(r, 'BAD_USER_INPUT', /input\.contactId/).extensions?.fields).toEqual([{ field: 'input.contactId', message: expect.stringMatching(/does not exist/) }]);
      }
      expectError(await b(Q.updateCompany, { id: companyA.id, i: { name: 'Owned' } }), 'NOT_FOUND');
      expectError(await b(Q.create, { i: { firstName: 'X', companyId: companyA.id } }), 'BAD_USER_INPUT', /input\.companyId/);
      expectError(await b(Q.update, { id: mine.id, i: { companyId: companyA.id } }), 'BAD_USER_INPUT', /input\.companyId/);
      // A's custom field does not exist for B.
      expectError(await b(Q.update, { id: mine.id, i: { customFields: [{ key: 'secret_level', value: '1' }] } }), 'BAD_USER_INPUT', /unknown custom field/);
      expect(dataOf(await b(Q.contact, { id: mine.id })).contact).toMatchObject({ version: 1, company: null });
    });
  });

  describe('row-level security in Postgres', () => {
    async function asTenant<T>(tenant: string | null, fn: (c: Client) => Promise<T>): Promise<T> {
      // As the service does: its own login, switched to its app role.
      const c = new Client({ connectionString: schemaUrl(h.schema) });
      await c.connect();
      try {
        await c.query('BEGIN');
        await c.query(`SET LOCAL search_path TO "${h.schema}"`);
        if (tenant !== null) await c.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', session_user || '_app', true)`, [tenant]);
        else await c.query(`SELECT set_config('role', session_user || '_app', true)`);
        return await fn(c);
      } finally {
        await c.query('ROLLBACK').catch(() => undefined);
        await c.end();
      }
    }

    it("bound to tenant B (the app role), a SELECT on the schema's tables returns none of tenant A's rows", async () => {
      const tables = ['contacts', 'contact_emails', 'contact_phones', 'consents', 'companies', 'interactions', 'custom_field_definitions'];
      // Control: the rows are there and visible to A.
      await asTenant(tenantA, async (c) => {
        for (const t of tables) {
          const { rows } = await c.query(`SELECT tenant_id FROM ${t}`);
          expect({ t, n: rows.length > 0, tenants: [...new Set(rows.map((r) => r.tenant_id))] }).toEqual({ t, n: true, tenants: [tenantA] });
        }
      });
      await asTenant(tenantB, async (c) => {
        expect((await c.query(`SELECT current_user AS u, current_setting('app.tenant_id') AS t`)).rows[0]).toEqual({ u: `${h.schema}_app`, t: tenantB });
        for (const t of tables) {
          const { rows } = await c.query(`SELECT tenant_id FROM ${t} WHERE tenant_id <> $1`, [tenantB]);
          expect({ t, rows }).toEqual({ t, rows: [] });
        }
        expect((await c.query(`SELECT count(*)::int AS n FROM contacts WHERE id = $1`, [contactA.id])).rows[0].n).toBe(0);
        // Writes cannot reach A's rows either.
        expect((await c.query(`UPDATE contacts SET first_name = 'Hacked' WHERE id = $1`, [contactA.id])).rowCount).toBe(0);
        expect((await c.query(`DELETE FROM contact_emails WHERE contact_id = $1`, [contactA.id])).rowCount).toBe(0);
      });
      await asTenant(tenantB, async (c) => {
        await expect(
          c.query(`INSERT INTO contacts (id, tenant_id, display_name) VALUES (gen_random_uuid(), $1, 'Planted')`, [tenantA]),
        ).rejects.toThrow(/row-level security/);
      });
      // Without a tenant bound, the app role sees nothing at all.
      await asTenant(null, async (c) => {
        expect((await c.query(`SELECT count(*)::int AS n FROM contacts`)).rows[0].n).toBe(0);
      });
      expect(await h.footprint(tenantA)).toEqual(footprintA);
    });
  });

  describe('authentication: the subgraph only answers gateway-signed requests', () => {
    const mutation = `mutation { createContact(input: { firstName: "Intruder", email: "intruder@example.com" }) { id } }`;
    const intruderTenant = uniqueTenant();

    it.each([
      ['without the x-crm-context header', () => ({})],
      ['with a context signed by another secret', () => ({ [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: intruderTenant, userId: 'u', roles: ['admin'] }, 'another-secret-0123456789abcdef') })],
      ['with an expired context', () => ({ [INTERNAL_CONTEXT_HEADER]: signInternalContext({ tenantId: intruderTenant, userId: 'u', roles: ['admin'] }, TEST_INTERNAL_SECRET, -10) })],
      ['with a garbage header', () => ({ [INTERNAL_CONTEXT_HEADER]: 'not.a.jwt' })],
      ['with a user bearer token instead of the internal context', () => ({ authorization: `Bearer ${signInternalContext({ tenantId: intruderTenant, userId: 'u', roles: ['admin'] }, TEST_INTERNAL_SECRET)}` })],
    ])('%s → HTTP 401 UNAUTHENTICATED, nothing executed', async (_what, headers) => {
      for (const query of [mutation, Q.list]) {
        const r = await postGraphql(h.svc.url, query, { first: 5 }, headers());
        expect(r.status).toBe(401);
        expect(r.data).toBeUndefined();
        expectError(r, 'UNAUTHENTICATED', /did not come through the gateway/);
      }
      expect(await h.footprint(intruderTenant)).toEqual(expect.objectContaining({ contacts: 0, outbox: 0 }));
    });

    it('a gateway service context (no user) may not read or write contacts', async () => {
      const headers = { [INTERNAL_CONTEXT_HEADER]: signInternalContext({ service: true }, TEST_INTERNAL_SECRET) };
      expectError(await postGraphql(h.svc.url, Q.list, { first: 5 }, headers), 'UNAUTHENTICATED');
      expectError(await postGraphql(h.svc.url, mutation, {}, headers), 'UNAUTHENTICATED');
      const sdl = await postGraphql(h.svc.url, `{ _service { sdl } }`, {}, headers);
      expect(sdl.data?._service.sdl).toContain('type Contact');
    });
  });
});
