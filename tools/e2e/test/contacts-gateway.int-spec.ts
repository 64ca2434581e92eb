import { randomBytes } from 'node:crypto';
import { gatewayFor } from './support';
import type { RunningGateway } from '@crm/gateway';
import { ContactCreatedV1 } from '@crm/events';
import { gatewayClient, postGraphql, TEST_JWT_SECRET, TopicRecorder, uniqueTenant, dataOf } from '@crm/testing';
import { signUserToken } from '@crm/auth';
import { contactsService } from '@crm/contacts';
import { startService } from '@crm/platform';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';

/**
 * End to end: the real contacts service and the real gateway on real Postgres and Kafka; a plain
 * kafkajs consumer (what an integrator runs) sees the event.
 */
describe('contacts through the gateway (e2e)', () => {
  let h: { svc: Awaited<ReturnType<typeof startService>>; topicPrefix: string; stop(): Promise<void> };
  let gw: RunningGateway;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    const fresh = await freshSchema('e2e');
    const topicPrefix = `${uniqueId('e2e')}.`;
    const svc = await startService(contactsService, { env: serviceTestEnv(fresh.schema, topicPrefix) });
    h = { svc, topicPrefix, stop: async () => (await svc.stop(), await fresh.drop()) };
    recorder = await new TopicRecorder(`${h.topicPrefix}crm.contacts.events`).start();
    gw = await gatewayFor([h.svc]);
  });
  afterAll(async () => {
    await gw?.stop();
    await recorder?.stop();
    await h?.stop();
  });

  it('creates a contact with a token, reads it back, and publishes contact.created.v1 on Kafka', async () => {
    const tenantId = uniqueTenant();
    const gql = gatewayClient(gw.url, { tenantId, userId: 'alice' });
    // The client's trace: the event must continue it (same trace id), not start a new one.
    const traceId = randomBytes(16).toString('hex');
    const created = dataOf(
      await postGraphql(
        gw.url,
        `mutation($i: CreateContactInput!) { createContact(input: $i) { id displayName email phone tags preferredChannels createdAt } }`,
        { i: { firstName: 'Katherine', lastName: 'Johnson', email: 'Katherine@NASA.gov', phone: '+1 202 555 0147', tags: ['vip'], preferredChannels: ['SMS', 'EMAIL'] } },
        { authorization: `Bearer ${signUserToken({ tenantId, userId: 'alice', roles: ['admin'] }, TEST_JWT_SECRET)}`, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      ),
    ).createContact;
    expect(created).toMatchObject({ displayName: 'Katherine Johnson', email: 'Katherine@NASA.gov', phone: '+12025550147', tags: ['vip'], preferredChannels: ['SMS', 'EMAIL'] });

    const read = dataOf(await gql(`query($id: ID!) { contact(id: $id) { id displayName email company { id } } }`, { id: created.id })).contact;
    expect(read).toEqual({ id: created.id, displayName: 'Katherine Johnson', email: 'Katherine@NASA.gov', company: null });

    const msg = await recorder.waitFor((r) => r.event?.subject === created.id);
    expect(msg.key).toBe(created.id);
    const e = msg.event;
    expect(e).toMatchObject({ specversion: '1.0', type: ContactCreatedV1.type, source: 'crm/contacts', subject: created.id, tenantid: tenantId, datacontenttype: 'application/json' });
    expect(Date.parse(e.time)).not.toBeNaN();
    expect(e.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(e.data).toMatchObject({
      contactId: created.id,
      version: 1,
      firstName: 'Katherine',
      lastName: 'Johnson',
      emails: [{ email: 'katherine@nasa.gov', primary: true }],
      phones: [{ phone: '+12025550147', primary: true }],
      preferredChannels: ['sms', 'email'],
      ownerId: 'alice',
    });
    expect(ContactCreatedV1.schema.safeParse(e.data).success).toBe(true);
  });

  it('rejects an anonymous request, a token of another issuer and an expired token with UNAUTHENTICATED', async () => {
    const q = '{ contacts { totalCount } }';
    const anonymous = await postGraphql(gw.url, q);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(anonymous.data?.contacts).toBeUndefined();
    const foreign = signUserToken({ tenantId: 't', userId: 'u', roles: [] }, TEST_JWT_SECRET, { issuer: 'someone-else' });
    expect((await postGraphql(gw.url, q, {}, { authorization: `Bearer ${foreign}` })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const expired = signUserToken({ tenantId: 't', userId: 'u', roles: [] }, TEST_JWT_SECRET, { expiresIn: -10 });
    expect((await postGraphql(gw.url, q, {}, { authorization: `Bearer ${expired}` })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects a too-deep query before it reaches the subgraph', async () => {
    const gql = gatewayClient(gw.url, { tenantId: uniqueTenant() });
    const deep = `{ contacts { edges { node { company { id } timelineEntries { edges { node { id } } } } } pageInfo { endCursor } } }`;
    expect(dataOf(await gql(deep)).contacts.edges).toEqual([]);
    const tooDeep = `{ contacts { edges { node { consents { channel } timelineEntries { edges { node { id } } } } } } }`.replace('consents { channel }', 'a: contacts { edges { node { b: contacts { edges { node { id } } } } } }');
    const r = await gql(tooDeep);
    expect(r.data?.contacts).toBeUndefined();
    expect(r.errors?.[0].message).toMatch(/depth/i);
    expect(r.errors?.[0].extensions?.code).toBeDefined();
  });

  it('keeps tenants apart through the gateway', async () => {
    const a = gatewayClient(gw.url, { tenantId: uniqueTenant() });
    const b = gatewayClient(gw.url, { tenantId: uniqueTenant() });
    const id = dataOf(await a(`mutation { createContact(input: { firstName: "Only A", email: "only-a@example.com" }) { id } }`)).createContact.id;
    expect(dataOf(await b(`query($id: ID!) { contact(id: $id) { id } }`, { id })).contact).toBeNull();
    expect(dataOf(await b(`{ contacts { totalCount } }`)).contacts.totalCount).toBe(0);
    const r = await b(`mutation($id: ID!) { updateContact(id: $id, input: { firstName: "Hacked" }) { id } }`, { id });
    expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(dataOf(await a(`query($id: ID!) { contact(id: $id) { firstName } }`, { id })).contact.firstName).toBe('Only A');
  });
  it('provisions the signed-in user from the token’s profile claims on their first request, and refuses an owner who is not a user; an admin creates a colleague ahead of sign-in, who may own imported contacts at once (issue 10 §2)', async () => {
    const tenantId = uniqueTenant();
    const gql = gatewayClient(gw.url, { tenantId, userId: 'idp|grace', roles: ['manager'], profile: { name: 'Grace Hopper', email: 'grace@navy.example', tz: 'America/New_York', locale: 'en-US' } });
    expect(dataOf(await gql('{ me { id name email timeZone locale roles active } }')).me).toEqual({
      id: 'idp|grace', name: 'Grace Hopper', email: 'grace@navy.example', timeZone: 'America/New_York', locale: 'en-US', roles: ['MANAGER'], active: true,
    });
    const msg = await recorder.waitFor((r) => r.event?.type === 'crm.contacts.user.provisioned.v1' && r.event.tenantid === tenantId);
    expect(msg.event.data).toMatchObject({ userId: 'idp|grace', name: 'Grace Hopper' });
    const refused = await gql(`mutation($i: CreateContactInput!) { createContact(input: $i) { id } }`, { i: { firstName: 'X', ownerId: 'nobody-at-all' } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'input.ownerId', message: 'nobody-at-all is not a user of this tenant' }] });

    // An admin creates a colleague before their first sign-in: an import may name them as owner at once; their sign-in keeps the admin's roles.
    const admin = gatewayClient(gw.url, { tenantId, userId: 'idp|boss', roles: ['admin'] });
    const IMPORT = `mutation($csv: String!) { importContactsCsv(csv: $csv) { created failed errors { row message } } }`;
    const csv = 'firstName,email,ownerId\nKen,ken@bell.example,idp|linus\n';
    expect(dataOf(await admin(IMPORT, { csv })).importContactsCsv).toEqual({ created: 0, failed: 1, errors: [{ row: 2, message: expect.stringMatching(/idp\|linus is not a user of this tenant/) }] });
    const created = dataOf(await admin(`mutation($i: CreateUserInput!) { createUser(input: $i) { id roles awaitingSignIn } }`, { i: { id: 'idp|linus', name: 'Linus', roles: ['MANAGER'] } })).createUser;
    expect(created).toEqual({ id: 'idp|linus', roles: ['MANAGER'], awaitingSignIn: true });
    const ahead = await recorder.waitFor((r) => r.event?.type === 'crm.contacts.user.provisioned.v1' && r.event.tenantid === tenantId && r.event.subject === 'idp|linus');
    expect(ahead.event).toMatchObject({ actorid: 'idp|boss', data: { userId: 'idp|linus', name: 'Linus', roles: ['manager'] } });
    expect(dataOf(await admin(IMPORT, { csv })).importContactsCsv).toEqual({ created: 1, failed: 0, errors: [] });
    const linus = gatewayClient(gw.url, { tenantId, userId: 'idp|linus', roles: ['rep'], profile: { name: 'Linus T', email: 'linus@example.com' } });
    expect(dataOf(await linus('{ me { id name email roles awaitingSignIn } }')).me).toEqual({ id: 'idp|linus', name: 'Linus', email: 'linus@example.com', roles: ['MANAGER'], awaitingSignIn: false });
    expect(dataOf(await admin(IMPORT.replace('created failed', 'created skipped failed'), { csv })).importContactsCsv).toMatchObject({ created: 0, failed: 0 });
  });
});
