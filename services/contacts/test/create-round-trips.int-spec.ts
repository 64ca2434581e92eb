import { requestStore } from '@crm/platform';
import { dataOf, recordStatements, uniqueTenant } from '@crm/testing';
import { Q, startContacts, type Harness } from './harness';

// Only the id: a selected `company` would add its own (batched) lookup after the mutation.
const CREATE = `mutation($i: CreateContactInput!) { createContact(input: $i) { id } }`;

/**
 * createContact is the hot path (imports of single contacts, web forms): four round trips —
 * BEGIN with the tenant binding, one statement for the row with its emails and phones, the outbox
 * row, COMMIT. Checks of a company or custom fields cost a statement only when the input uses them.
 */
describe('createContact round trips', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startContacts();
  });
  afterAll(async () => h?.stop());

  async function roundTripsOf(tenantId: string, input: Record<string, unknown>): Promise<string[]> {
    const gql = h.client({ tenantId });
    // The caller's first request provisions them in the directory (its own transaction): done before counting.
    await h.provision(tenantId, 'user-1');
    // Every round trip the service sends while serving the request (relay, consumers and schedulers run outside any).
    const rec = recordStatements(h.svc.dataSource, () => !!requestStore.getStore());
    try {
      expect(dataOf(await gql(CREATE, { i: input })).createContact.id).toBeTruthy();
    } finally {
      rec.restore();
    }
    return rec.sent;
  }

  it('a contact with emails, phones, tags, channels and an address: four', async () => {
    const sent = await roundTripsOf(uniqueTenant(), {
      firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', otherEmails: ['ada@work.example'], phone: '+1 415 555 2671',
      tags: ['vip'], preferredChannels: ['EMAIL'], addresses: [{ city: 'London', country: 'GB' }], source: { source: 'web' },
    });
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatch(/^BEGIN; SELECT set_config/);
    expect(sent[3]).toBe('COMMIT');
  });

  it('with a company: one more (the company must exist and names the contact in search)', async () => {
    const tenantId = uniqueTenant();
    const company = dataOf(await h.client({ tenantId })(Q.createCompany, { i: { name: 'Analytical Engines' } })).createCompany;
    const sent = await roundTripsOf(tenantId, { firstName: 'Charles', companyId: company.id });
    expect(sent).toHaveLength(5);
    expect(sent[1]).toMatch(/FROM companies/);
  });
});
