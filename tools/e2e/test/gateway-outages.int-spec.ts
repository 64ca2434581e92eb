import pino from 'pino';
import type { RunningGateway } from '@crm/gateway';
import { contactsService } from '@crm/contacts';
import { salesService } from '@crm/sales';
import { startService, type RunningService } from '@crm/platform';
import { randomUUID } from 'node:crypto';
import { adminQuery, dataOf, eventually, freshSchema, gatewayClient, serviceTestEnv, TEST_INTERNAL_SECRET, uniqueId, uniqueTenant } from '@crm/testing';
import { gatewayFor } from './support';

/** JSON log lines written through a pino logger. */
function capture(level = 'warn') {
  const lines: string[] = [];
  return { lines, logger: pino({ level }, { write: (line: string) => void lines.push(line) }) };
}

const CREATE_CONTACT = `mutation($i: CreateContactInput!) { createContact(input: $i) { id } }`;
const CREATE_DEAL = `mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }`;
// Both root fields are nullable, so one module's outage leaves the other's answer in place.
const CONTACT_AND_DEAL = `query($id: ID!, $dealId: ID!) { contact(id: $id) { id displayName } deal(id: $dealId) { id title } }`;

/**
 * Outages answered honestly, on the real services (real Postgres and Kafka): a module that is down
 * or does not trust the gateway is named, the rest of the query answers, both sides log, and no
 * internal address reaches the client.
 */
describe('gateway outages (e2e)', () => {
  let contacts: RunningService;
  let sales: RunningService;
  const contactsLog = capture();
  const drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const topicPrefix = `${uniqueId('e2eo')}.`;
    const cs = await freshSchema('e2eoc');
    const ss = await freshSchema('e2eos');
    drops.push(cs.drop, ss.drop);
    contacts = await startService(contactsService, { env: serviceTestEnv(cs.schema, topicPrefix), logger: contactsLog.logger });
    sales = await startService(salesService, { env: serviceTestEnv(ss.schema, topicPrefix) });
  });
  afterAll(async () => {
    await sales?.stop();
    await contacts?.stop();
    for (const d of drops) await d();
  });

  it('GATEWAY_INTERNAL_SECRET mismatch: the client is told which module does not trust the gateway; the module and the gateway both log the mismatch, never the secret', async () => {
    const gatewayLog = capture();
    const wrongSecret = 'not-the-services-internal-secret-0123456789';
    const gw = await gatewayFor([contacts, sales], { internalSecret: wrongSecret, logger: gatewayLog.logger, subgraphHealthCacheMs: 0 });
    try {
      const gql = gatewayClient(gw.url, { tenantId: uniqueTenant() });
      const res = await gql(`query($id: ID!) { contact(id: $id) { id } }`, { id: randomUUID() });
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ contact: null });
      expect(res.errors).toEqual([
        {
          message: expect.stringMatching(/^The contacts module is unavailable: it does not trust this gateway \(their GATEWAY_INTERNAL_SECRET settings differ\)/),
          path: ['contact'],
          extensions: { code: 'SERVICE_UNAVAILABLE', service: 'contacts', serviceName: 'contacts', reason: 'GATEWAY_NOT_TRUSTED' },
        },
      ]);
      expect(JSON.stringify(res)).not.toMatch(/401: Unauthorized|127\.0\.0\.1|localhost/);

      const serviceSide = contactsLog.lines.map((l) => JSON.parse(l)).filter((l) => l.reason === 'GATEWAY_INTERNAL_SECRET_MISMATCH');
      expect(serviceSide.length).toBeGreaterThanOrEqual(1);
      expect(serviceSide[0]).toMatchObject({ level: 50, msg: expect.stringMatching(/^GATEWAY_INTERNAL_SECRET mismatch: .* does not verify with this service's GATEWAY_INTERNAL_SECRET/) });
      const gatewaySide = gatewayLog.lines.map((l) => JSON.parse(l)).filter((l) => /GATEWAY_INTERNAL_SECRET mismatch/.test(l.msg));
      expect(gatewaySide).toHaveLength(1);
      expect(gatewaySide[0]).toMatchObject({ level: 50, subgraph: 'contacts', detail: expect.stringMatching(/^HTTP 401 .*invalid signature/) });
      for (const line of [...contactsLog.lines, ...gatewayLog.lines]) {
        expect(line).not.toContain(wrongSecret);
        expect(line).not.toContain(TEST_INTERNAL_SECRET);
      }

      const ready = await fetch(`${new URL(gw.url).origin}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        subgraphs: [
          { name: 'contacts', status: 'down', reason: 'rejects the gateway (GATEWAY_INTERNAL_SECRET differs)' },
          { name: 'sales', status: 'down', reason: 'rejects the gateway (GATEWAY_INTERNAL_SECRET differs)' },
        ],
      });
    } finally {
      await gw.stop();
    }
  });

  it('a module that is stopped: the rest of the query answers, its fields say SERVICE_UNAVAILABLE naming it, readiness lists it down', async () => {
    const gw: RunningGateway = await gatewayFor([contacts, sales], { subgraphHealthCacheMs: 0 });
    try {
      const base = new URL(gw.url).origin;
      const tenantId = uniqueTenant();
      const gql = gatewayClient(gw.url, { tenantId });
      const { id } = dataOf(await gql(CREATE_CONTACT, { i: { firstName: 'Grace', lastName: 'Hopper' } })).createContact;
      await eventually(
        async () => (await adminQuery(`SELECT 1 FROM "${sales.info.schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, id])).length > 0,
        30000,
        'contact replicated to sales',
      );
      const dealId = dataOf(await gql(CREATE_DEAL, { i: { contactId: id, title: 'Compiler', amount: { amount: '500.00', currency: 'EUR' } } })).createDeal.id;
      expect(dataOf(await gql(CONTACT_AND_DEAL, { id, dealId }))).toEqual({ contact: { id, displayName: 'Grace Hopper' }, deal: { id: dealId, title: 'Compiler' } });
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', subgraphs: [{ name: 'contacts', status: 'up' }, { name: 'sales', status: 'up' }] });

      await sales.stop();

      const res = await gql(CONTACT_AND_DEAL, { id, dealId });
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ contact: { id, displayName: 'Grace Hopper' }, deal: null });
      expect(res.errors).toEqual([
        {
          message: 'The sales module is unavailable; the fields it provides are missing. Retry later.',
          path: ['deal'],
          extensions: { code: 'SERVICE_UNAVAILABLE', service: 'sales', serviceName: 'sales', reason: 'SUBGRAPH_UNREACHABLE', retryable: true },
        },
      ]);
      // A field sales adds to the contact: the error is on it, and the rest of the contact still answers.
      const joined = await gql(`query($id: ID!) { contact(id: $id) { id displayName deals { edges { node { id } } } } }`, { id });
      expect(joined.errors).toEqual([expect.objectContaining({ path: ['contact', 'deals'], extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', service: 'sales' }) })]);
      expect(joined.data).toEqual({ contact: { id, displayName: 'Grace Hopper', deals: null } });
      for (const body of [res, joined]) expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED|stacktrace/);

      const notReady = await fetch(`${base}/health/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({
        status: 'not ready: sales down',
        subgraphs: [
          { name: 'contacts', status: 'up' },
          { name: 'sales', status: 'down', reason: 'unreachable (ECONNREFUSED)' },
        ],
      });
    } finally {
      await gw.stop();
    }
  });
});
