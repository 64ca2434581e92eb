import { dataOf } from '@crm/testing';
import { expectError, Q, startContacts, uniqueTenant, type Harness } from './harness';

/** Personal data of a merged duplicate must go with the survivor's erasure; conflicts stay conflicts. */
describe('erase after merge, and conflicts that used to be internal errors', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startContacts({ OUTBOX_POLL_MS: '50' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it("erasing the survivor removes the merged duplicate's published events and interactions", async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const survivor = dataOf(await gql(Q.create, { i: { firstName: 'Sur', email: 'survivor@example.com' } })).createContact;
    const dup = dataOf(await gql(Q.create, { i: { firstName: 'Dup', email: 'dup-person@example.com' } })).createContact;
    dataOf(await gql(Q.logInteraction, { i: { contactId: dup.id, kind: 'NOTE', summary: 'note about dup-person@example.com' } }));
    dataOf(await gql(Q.merge, { s: survivor.id, d: dup.id }));
    // Wait until the relay has published what exists so far (only published rows are purged on erase).
    for (let i = 0; i < 200; i++) {
      const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".outbox WHERE tenant_id = $1 AND published_at IS NULL`, [tenantId]);
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const [{ before }] = await h.sql(`SELECT count(*)::int AS before FROM "${h.schema}".outbox WHERE tenant_id = $1 AND payload::text LIKE '%dup-person@example.com%'`, [tenantId]);
    expect(before).toBeGreaterThan(0);

    expect(dataOf(await h.client({ tenantId, roles: ['dpo'] })(Q.erase, { id: survivor.id })).eraseContact.contactId).toMatch(/^[0-9a-f-]{36}$/);
    const [{ left }] = await h.sql(`SELECT count(*)::int AS left FROM "${h.schema}".outbox WHERE tenant_id = $1 AND payload::text LIKE '%dup-person@example.com%'`, [tenantId]);
    expect(left).toBe(0);
    const [{ notes }] = await h.sql(`SELECT count(*)::int AS notes FROM "${h.schema}".interactions WHERE tenant_id = $1`, [tenantId]);
    expect(notes).toBe(0);
  });

  it('renaming a company to a taken name is a CONFLICT, and a malformed timeline cursor is BAD_USER_INPUT', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const a = dataOf(await gql(Q.createCompany, { i: { name: 'Acme' } })).createCompany;
    dataOf(await gql(Q.createCompany, { i: { name: 'Globex' } }));
    expectError(await gql(Q.updateCompany, { id: a.id, i: { name: 'globex' } }), 'CONFLICT', /already exists/);
    expect(dataOf(await gql(Q.updateCompany, { id: a.id, i: { name: 'ACME' } })).updateCompany.name).toBe('ACME');

    const c = dataOf(await gql(Q.create, { i: { firstName: 'Tim' } })).createContact;
    const bad = Buffer.from(JSON.stringify({ t: 'yesterday', id: 'not-a-uuid' })).toString('base64url');
    expectError(await gql(Q.timeline, { id: c.id, first: 5, after: bad }), 'BAD_USER_INPUT', /cursor/);
  });
});
