import { contactsService } from '@crm/contacts';
import { marketingService } from '@crm/marketing';
import { startService, type RunningService } from '@crm/platform';
import { adminQuery, dataOf, eventually, freshSchema, gatewayClient, serviceTestEnv, uniqueId, uniqueTenant } from '@crm/testing';
import { gatewayFor } from './support';

/** Smoke test of the marketing module behind the real gateway with contacts (real Postgres and Kafka). */
describe('marketing through the gateway, with contacts', () => {
  const schemas: { schema: string; drop(): Promise<void> }[] = [];
  const services: RunningService[] = [];
  let gw: Awaited<ReturnType<typeof gatewayFor>>;
  beforeAll(async () => {
    const topicPrefix = `${uniqueId('market')}.`;
    for (const def of [contactsService, marketingService]) {
      const s = await freshSchema(`e2e${def.name.slice(0, 3)}`);
      schemas.push(s);
      services.push(await startService(def, { env: serviceTestEnv(s.schema, topicPrefix) }));
    }
    gw = await gatewayFor(services);
  });
  afterAll(async () => {
    await gw?.stop();
    for (const s of services.reverse()) await s.stop();
    for (const s of schemas) await s.drop();
  });

  it('a contact created in contacts reaches marketing; its segments show on the Contact', async () => {
    const gql = gatewayClient(gw.url, { tenantId: uniqueTenant() });
    const { id } = dataOf(await gql(`mutation { createContact(input: { firstName: "Ada", email: "ada@example.com" }) { id } }`)).createContact;
    await eventually(async () => (await adminQuery(`SELECT 1 FROM "${schemas[1].schema}".contact_replica WHERE contact_id = $1`, [id])).length > 0, 30000, 'the contact in marketing');
    const created = dataOf(await gql(`mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id contact { id displayName } } }`, { i: { name: 'First', contactId: id } })).createSegment;
    expect(created.contact).toEqual({ id, displayName: 'Ada' });
    const r = await gql(`query($id: ID!) { contact(id: $id) { id marketingSegments(first: 5) { totalCount edges { node { id name } } } } }`, { id });
    expect(r.errors).toBeUndefined();
    expect(r.data.contact.marketingSegments).toEqual({ totalCount: 1, edges: [{ node: { id: created.id, name: 'First' } }] });
  });
});
