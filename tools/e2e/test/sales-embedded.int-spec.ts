import { gatewayFor } from './support';
import type { RunningGateway } from '@crm/gateway';
import { contactsService } from '@crm/contacts';
import { salesService } from '@crm/sales';
import { InProcessEventBus, startService, type RunningService } from '@crm/platform';
import { dataOf, eventually, freshSchema, gatewayClient, TEST_INTERNAL_SECRET, uniqueTenant } from '@crm/testing';

/**
 * The embedded mode `pnpm start` uses: contacts and sales in ONE process (one @nestjs/graphql type
 * store, two schemas), on the in-process event bus, behind the gateway — as tools/cli/src/start.ts
 * runs them (with a test schema per module instead of the fixed names).
 */
describe('contacts + sales in one process (embedded mode)', () => {
  const services: RunningService[] = [];
  const drops: (() => Promise<void>)[] = [];
  const bus = new InProcessEventBus();
  let gw: RunningGateway;

  beforeAll(async () => {
    await bus.connect();
    for (const def of [contactsService, salesService]) {
      const fresh = await freshSchema(`emb${def.name}`);
      drops.push(fresh.drop);
      services.push(
        await startService(def, {
          bus,
          env: { NODE_ENV: 'test', DATABASE_URL: fresh.url, DB_SCHEMA: fresh.schema, GATEWAY_INTERNAL_SECRET: TEST_INTERNAL_SECRET, PORT: '0', LOG_LEVEL: 'warn', DB_POOL_SIZE: '5' },
        }),
      );
    }
    gw = await gatewayFor(services);
  });
  afterAll(async () => {
    await gw?.stop();
    for (const s of [...services].reverse()) await s.stop();
    await bus.disconnect();
    for (const d of drops) await d();
  });

  it('each schema holds only its module’s types, and a contact flows to sales over the in-process bus', async () => {
    const [contactsSdl, salesSdl] = services.map((s) => s.sdl());
    expect(contactsSdl).not.toMatch(/type Deal\b|lifetimeValue/);
    expect(salesSdl).not.toMatch(/displayName|timelineEntries/);
    const tenantId = uniqueTenant();
    const gql = gatewayClient(gw.url, { tenantId });
    const c = dataOf(await gql(`mutation { createContact(input: { firstName: "Grace", email: "grace@example.com" }) { id } }`)).createContact;
    const deal = await eventually(async () => {
      const r = await gql(`mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }`, { i: { contactId: c.id, title: 'Compiler', amount: { amount: '99.99', currency: 'USD' } } });
      return r.data?.createDeal;
    }, 15000, 'the contact in the sales replica');
    const r = dataOf(await gql(`query($id: ID!) { contact(id: $id) { displayName deals { edges { node { id amount { amount currency } } } } } }`, { id: c.id })).contact;
    expect(r).toEqual({ displayName: 'Grace', deals: { edges: [{ node: { id: deal.id, amount: { amount: '99.99', currency: 'USD' } } }] } });
  });
});
