import { dataOf, uniqueTenant } from '@crm/testing';
import { Q, startContacts } from './harness';

/**
 * Issue 6 §1b, contacts' write paths: far more concurrent writes than pooled connections (100 on
 * a pool of 10) all answer — a unit of work never holds one connection while waiting for another.
 */
describe('contacts under concurrency well above the pool size (pool of 10)', () => {
  let h: Awaited<ReturnType<typeof startContacts>>;
  beforeAll(async () => {
    h = await startContacts({ DB_POOL_SIZE: '10' });
  });
  afterAll(async () => h?.stop());

  const N = 100;
  const noErrors = (rs: { errors?: unknown[] }[]) => expect(rs.map((r) => r.errors ?? null)).toEqual(Array(rs.length).fill(null));

  it('100 concurrent createContact, updateContact, setConsent, logInteraction and createCompany all answer', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const created = await Promise.all(Array.from({ length: N }, (_, i) => gql(Q.create, { i: { firstName: `C${i}`, email: `c${i}@pool.example`, tags: ['pool'] } })));
    noErrors(created);
    const ids: string[] = created.map((r) => dataOf(r).createContact.id);
    noErrors(await Promise.all(ids.map((id, i) => gql(Q.update, { id, i: { lastName: `L${i}` } }))));
    noErrors(await Promise.all(ids.map((contactId) => gql(Q.setConsent, { i: { contactId, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT' } }))));
    noErrors(await Promise.all(ids.map((contactId) => gql(Q.logInteraction, { i: { contactId, kind: 'CALL', summary: 'Pool test' } }))));
    noErrors(await Promise.all(Array.from({ length: N }, (_, i) => gql(Q.createCompany, { i: { name: `Company ${i}` } }))));
    expect(await h.count('contacts', tenantId)).toBe(N);
    expect(await h.count('consents', tenantId)).toBe(N);
    expect(await h.count('companies', tenantId)).toBe(N);
  }, 120_000);
});
