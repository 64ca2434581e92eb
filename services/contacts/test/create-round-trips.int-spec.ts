import type { DataSource, QueryRunner } from 'typeorm';
import { requestStore } from '@crm/platform';
import { dataOf, uniqueTenant } from '@crm/testing';
import { Q, startContacts, type Harness } from './harness';

// Only the id: a selected `company` would add its own (batched) lookup after the mutation.
const CREATE = `mutation($i: CreateContactInput!) { createContact(input: $i) { id } }`;

/**
 * Every statement the service sends to Postgres while serving GraphQL requests, transaction
 * control included (each call is one round trip). Relay, consumers and schedulers run outside any
 * request and are not counted.
 */
function recordRoundTrips(ds: DataSource) {
  const sent: string[] = [];
  const create = ds.createQueryRunner.bind(ds);
  ds.createQueryRunner = (...args: Parameters<DataSource['createQueryRunner']>): QueryRunner => {
    const qr = create(...args);
    const query = qr.query.bind(qr);
    qr.query = ((sql: string, ...rest: unknown[]) => {
      if (requestStore.getStore()) sent.push(sql.trim().slice(0, 60));
      return (query as (...a: unknown[]) => Promise<unknown>)(sql, ...rest);
    }) as QueryRunner['query'];
    return qr;
  };
  return { sent, restore: () => (ds.createQueryRunner = create) };
}

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
    const rec = recordRoundTrips(h.svc.dataSource);
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
