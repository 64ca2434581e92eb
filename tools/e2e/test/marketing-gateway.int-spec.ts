import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { contactsService } from '@crm/contacts';
import { salesService } from '@crm/sales';
import { marketingService } from '@crm/marketing';
import { ContactCreatedV1, envelope, exampleSnapshot, type ContactSnapshot } from '@crm/events';
import { KafkaEventBus, startService, type RunningService, type ServiceDefinition } from '@crm/platform';
import type { RunningGateway } from '@crm/gateway';
import { adminQuery, dataOf, eventually, freshSchema, gatewayClient, kafkaBrokers, serviceTestEnv, uniqueId, uniqueTenant } from '@crm/testing';
import { gatewayFor } from './support';

const TRACKING_SECRET = 'e2e-tracking-secret-0123456789abcdef';
const PUBLIC_URL = 'https://mkt.e2e.test';
const SMS_TOKEN = 'e2e-sms-token';

const CREATE_CONTACT = `mutation($i: CreateContactInput!) { createContact(input: $i) { id displayName preferredChannels } }`;
const SET_CONSENT = `mutation($i: SetConsentInput!) { setConsent(input: $i) { id consents { channel granted } } }`;
const CREATE_DEAL = `mutation($i: CreateDealInput!) { createDeal(input: $i) { id title } }`;
const CREATE_SEGMENT = `mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id name kind size } }`;
const CREATE_RULE = `mutation($i: ScoringRuleInput!) { createScoringRule(input: $i) { id kind } }`;
const CREATE_CAMPAIGN = `mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id status channels } }`;
const SCHEDULE = `mutation($id: ID!) { scheduleCampaign(id: $id) { id status } }`;
const CAMPAIGN = `query($id: ID!) { campaign(id: $id) { id status
  stats { routed sent skipped skippedByReason { reason count } }
  messages(first: 50) { totalCount edges { node { id contact { id } channel address status skipReason passedOver { channel reason } } } } } }`;
const CAUGHT = `{ caughtMail(first: 20) { totalCount edges { node { id messageId to subject text headers { name value } } } } }`;
const CONTACT_360 = `query($id: ID!) { contact(id: $id) { id displayName
  consents { channel granted }
  deals(first: 10) { edges { node { id title status } } }
  segments { id name kind }
  leadScore
  campaignMessages(first: 10) { totalCount edges { node { id channel status address skipReason passedOver { channel reason } campaign { id name } } } } } }`;

/** Polls through the gateway at a pace its per-user rate limit allows. */
const pollGateway = <T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 60000) =>
  eventually(async () => {
    await new Promise((r) => setTimeout(r, 300));
    return fn();
  }, timeoutMs, what);

const nodes = <T = any>(c: { edges: { node: T }[] }) => c.edges.map((e) => e.node);

/** The SMS provider: a plain node:http server recording every request (200 with a provider id). */
function smsStub() {
  const requests: { path: string; auth: string | undefined; body: { to: string; text: string; clientRef: string } }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms-${requests.length}` }));
    });
  });
  return {
    server,
    requests,
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}

const marketingEnv = (smsPort: number) => ({
  MARKETING_CAMPAIGN_POLL_MS: '50',
  MARKETING_MAIL_CATCHER: 'on',
  MARKETING_MAIL_CATCHER_PORT: '0',
  MARKETING_PUBLIC_URL: PUBLIC_URL,
  MARKETING_TRACKING_SECRET: TRACKING_SECRET,
  MARKETING_SMS_URL: `http://127.0.0.1:${smsPort}/sms`,
  MARKETING_SMS_TOKEN: SMS_TOKEN,
});

const emailContent = { subject: 'Spring news for {{firstName|you}}', html: '<p>Hi {{firstName|there}}</p><p><a href="https://shop.example/spring">Spring sale</a></p>', text: 'Hi {{firstName|there}}' };

/**
 * End to end: contacts + sales + marketing behind the real gateway, on real Postgres and Kafka, with
 * real SMTP (marketing's embedded mail catcher) and a real HTTP SMS provider stub. A two-channel
 * campaign routes each recipient by their own preferred channels and consents; the one-click
 * unsubscribe travels marketing → Kafka → contacts → Kafka → marketing's replica and re-routes the
 * next campaign.
 */
describe('marketing through the gateway with contacts and sales (e2e)', () => {
  const schemas: { schema: string; drop(): Promise<void> }[] = [];
  const services: RunningService[] = [];
  const sms = smsStub();
  let contacts: RunningService;
  let sales: RunningService;
  let marketing: RunningService;
  let gw: RunningGateway;
  let marketingBase: string;

  beforeAll(async () => {
    const smsPort = await sms.listen();
    const topicPrefix = `${uniqueId('e2emkt')}.`;
    const start = async (def: ServiceDefinition, extra: Record<string, string> = {}) => {
      const s = await freshSchema(`e2em${def.name.slice(0, 3)}`);
      schemas.push(s);
      const svc = await startService(def, { env: serviceTestEnv(s.schema, topicPrefix, extra) });
      services.push(svc);
      return svc;
    };
    contacts = await start(contactsService);
    sales = await start(salesService);
    marketing = await start(marketingService, marketingEnv(smsPort));
    marketingBase = marketing.url.replace(/\/graphql$/, '');
    gw = await gatewayFor([contacts, sales, marketing]);
  }, 120000);
  afterAll(async () => {
    await gw?.stop();
    for (const s of [...services].reverse()) await s.stop();
    for (const s of schemas) await s.drop();
    await sms.close();
  }, 60000);

  const tenantId = uniqueTenant();
  const gql = () => gatewayClient(gw.url, { tenantId, userId: 'marketer-1', roles: ['admin'] });
  const replicaHas = (svc: RunningService, contactId: string, where = 'true') =>
    eventually(
      async () => (await adminQuery(`SELECT 1 FROM "${svc.info.schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2 AND ${where}`, [tenantId, contactId])).length > 0,
      60000,
      `contact ${contactId} in ${svc.name}'s replica (${where})`,
    );
  const campaignDone = (id: string) =>
    pollGateway(async () => {
      const c = dataOf(await gql()(CAMPAIGN, { id })).campaign;
      return c.status === 'COMPLETED' && nodes(c.messages).every((m: any) => m.status !== 'QUEUED' && m.status !== 'SENDING') ? c : undefined;
    }, `campaign ${id} COMPLETED`);
  const byContact = (c: any) => Object.fromEntries(nodes(c.messages).map((m: any) => [m.contact.id, m]));

  let ada: { id: string; preferredChannels?: string[] };
  let bob: { id: string };
  let cy: { id: string };
  let segmentId: string;
  let firstAdaMessageId: string;
  let unsubscribeHeader: string;
  const ADA_PHONE = '+442071838751';
  const BOB_PHONE = '+442071838750';

  it('a two-channel campaign: Ada by email over SMTP, Bob by SMS over HTTP, Cy skipped for lack of consent; one contact query joins contacts, sales and marketing', async () => {
    const g = gql();
    // Scoring rule before the contacts: their contact.created events score them.
    dataOf(await g(CREATE_RULE, { i: { name: 'VIP', field: 'tag', value: 'vip', points: 30 } }));
    // Dynamic segment before the contacts: membership is kept up to date as their events arrive.
    const seg = dataOf(await g(CREATE_SEGMENT, { i: { name: 'Spring audience', kind: 'DYNAMIC', rule: { field: 'tags', op: 'CONTAINS', value: 'spring' } } })).createSegment;
    expect(seg).toMatchObject({ kind: 'DYNAMIC', size: 0 });
    segmentId = seg.id;

    ada = dataOf(await g(CREATE_CONTACT, { i: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: ADA_PHONE, tags: ['spring', 'vip'], preferredChannels: ['EMAIL', 'SMS'] } })).createContact;
    bob = dataOf(await g(CREATE_CONTACT, { i: { firstName: 'Bob', lastName: 'Babbage', email: 'bob@example.com', phone: BOB_PHONE, tags: ['spring'], preferredChannels: ['SMS'] } })).createContact;
    cy = dataOf(await g(CREATE_CONTACT, { i: { firstName: 'Cy', lastName: 'Nope', email: 'cy@example.com', tags: ['spring'], preferredChannels: ['EMAIL'] } })).createContact;
    expect(ada.preferredChannels).toEqual(['EMAIL', 'SMS']);
    for (const [id, channel] of [[ada.id, 'EMAIL'], [ada.id, 'SMS'], [bob.id, 'SMS']] as const) {
      dataOf(await g(SET_CONSENT, { i: { contactId: id, channel, granted: true, legalBasis: 'CONSENT', source: 'e2e sign-up', wording: `Yes, ${channel} news` } }));
    }

    // The deal in sales (Ada reaches sales' replica over Kafka first).
    await replicaHas(sales, ada.id);
    const deal = dataOf(await g(CREATE_DEAL, { i: { contactId: ada.id, title: 'Analytical Engine', amount: { amount: '1000.00', currency: 'EUR' } } })).createDeal;
    dataOf(await g(`mutation($id: ID!) { winDeal(id: $id) { status } }`, { id: deal.id }));

    // Marketing's replica has all three with their latest consents before the campaign starts (its audience is read then).
    await replicaHas(marketing, ada.id, `consents @> '[{"channel":"email","status":"granted"},{"channel":"sms","status":"granted"}]'`);
    await replicaHas(marketing, bob.id, `consents @> '[{"channel":"sms","status":"granted"}]'`);
    await replicaHas(marketing, cy.id);
    await pollGateway(async () => dataOf(await g(`query($id: ID!) { segment(id: $id) { size } }`, { id: segmentId })).segment.size === 3, 'the segment has Ada, Bob and Cy');

    const campaign = dataOf(await g(CREATE_CAMPAIGN, {
      i: { name: 'Spring 1', goal: 'Sell', includeSegmentIds: [segmentId], channels: ['EMAIL', 'SMS'], email: emailContent, sms: { text: 'Hi {{firstName}}, spring sale!' } },
    })).createCampaign;
    expect(campaign).toMatchObject({ status: 'DRAFT', channels: ['EMAIL', 'SMS'] });
    expect(dataOf(await g(SCHEDULE, { id: campaign.id })).scheduleCampaign.status).toMatch(/^(SCHEDULED|RUNNING)$/);
    const done = await campaignDone(campaign.id);

    const msgs = byContact(done);
    expect(done.messages.totalCount).toBe(3);
    expect(msgs[ada.id]).toMatchObject({ channel: 'EMAIL', address: 'ada@example.com', status: expect.stringMatching(/^(SENT|DELIVERED)$/), skipReason: null, passedOver: [] });
    expect(msgs[bob.id]).toMatchObject({ channel: 'SMS', address: BOB_PHONE, status: expect.stringMatching(/^(SENT|DELIVERED)$/), skipReason: null, passedOver: [] });
    expect(msgs[cy.id]).toMatchObject({ channel: null, status: 'SKIPPED', skipReason: 'NO_CONSENT', passedOver: [{ channel: 'EMAIL', reason: 'NO_CONSENT' }] });
    expect(done.stats).toMatchObject({ routed: 3, sent: 2, skipped: 1, skippedByReason: [{ reason: 'NO_CONSENT', count: 1 }] });
    firstAdaMessageId = msgs[ada.id].id;

    // The SMS provider got exactly one request: Bob's, with the bearer token and the message id as clientRef.
    expect(sms.requests).toHaveLength(1);
    expect(sms.requests[0]).toMatchObject({ path: '/sms', auth: `Bearer ${SMS_TOKEN}`, body: { to: BOB_PHONE, text: 'Hi Bob, spring sale!', clientRef: expect.stringContaining(msgs[bob.id].id) } });

    // Ada's email really went over SMTP to the catcher, with the RFC 8058 one-click headers (read through the gateway).
    const caught = dataOf(await g(CAUGHT)).caughtMail;
    expect(caught.totalCount).toBe(1);
    const mail = nodes(caught)[0];
    expect(mail).toMatchObject({ messageId: firstAdaMessageId, subject: 'Spring news for Ada', to: expect.stringContaining('ada@example.com') });
    expect(mail.text).toContain('Hi Ada');
    const header = (name: string) => mail.headers.find((h: any) => h.name.toLowerCase() === name.toLowerCase())?.value as string | undefined;
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    unsubscribeHeader = header('List-Unsubscribe')!;
    expect(unsubscribeHeader).toMatch(new RegExp(`<${PUBLIC_URL.replace(/\./g, '\\.')}/u/[^>]+>`));

    // One gateway query: the contact (contacts), her deal (sales), her segments, messages and lead score (marketing).
    const c = dataOf(await g(CONTACT_360, { id: ada.id })).contact;
    expect(c).toMatchObject({
      id: ada.id,
      displayName: 'Ada Lovelace',
      deals: { edges: [{ node: { id: deal.id, title: 'Analytical Engine', status: 'WON' } }] },
      segments: [{ id: segmentId, name: 'Spring audience', kind: 'DYNAMIC' }],
      leadScore: 30,
      campaignMessages: { totalCount: 1, edges: [{ node: { id: firstAdaMessageId, channel: 'EMAIL', status: expect.stringMatching(/^(SENT|DELIVERED)$/), campaign: { id: campaign.id, name: 'Spring 1' } } }] },
    });
    // Cy's card shows why he got nothing; his lead score is 0 (no VIP tag).
    const cyCard = dataOf(await g(CONTACT_360, { id: cy.id })).contact;
    expect(cyCard).toMatchObject({ deals: { edges: [] }, segments: [{ id: segmentId }], leadScore: 0, campaignMessages: { totalCount: 1, edges: [{ node: { channel: null, status: 'SKIPPED', skipReason: 'NO_CONSENT' } }] } });
  }, 180000);

  it('one-click unsubscribe from the received email withdraws the email consent in contacts; the next campaign reaches Ada by SMS', async () => {
    expect(unsubscribeHeader).toBeDefined();
    const g = gql();
    const url = /<(https?:\/\/[^>]+\/u\/[^>]+)>/.exec(unsubscribeHeader)![1].replace(/^https?:\/\/[^/]+/, marketingBase);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);

    // Marketing suppresses the address at once …
    const sup = nodes(dataOf(await g(`{ suppressions(first: 10) { edges { node { channel address reason } } } }`)).suppressions);
    expect(sup).toEqual([{ channel: 'EMAIL', address: 'ada@example.com', reason: 'UNSUBSCRIBE' }]);
    // … contacts (the one writer of consents) records the withdrawal from marketing's event …
    await pollGateway(async () => {
      const consents = dataOf(await g(CONTACT_360, { id: ada.id })).contact.consents as { channel: string; granted: boolean }[];
      return consents.some((x) => x.channel === 'EMAIL' && x.granted === false) && consents.some((x) => x.channel === 'SMS' && x.granted === true);
    }, 'Ada\'s email consent withdrawn in contacts');
    // … and its contact.updated brings the withdrawal back into marketing's replica.
    await replicaHas(marketing, ada.id, `consents @> '[{"channel":"email","status":"withdrawn"}]'`);

    const campaign = dataOf(await g(CREATE_CAMPAIGN, {
      i: { name: 'Spring 2', includeSegmentIds: [segmentId], channels: ['EMAIL', 'SMS'], email: emailContent, sms: { text: 'Hi {{firstName}}, last days of the sale!' } },
    })).createCampaign;
    dataOf(await g(SCHEDULE, { id: campaign.id }));
    const done = await campaignDone(campaign.id);
    const msgs = byContact(done);
    // Both the withdrawn consent and the suppression apply to EMAIL; routing checks consent first (docs/marketing/campaigns.md), so NO_CONSENT.
    expect(msgs[ada.id]).toMatchObject({ channel: 'SMS', address: ADA_PHONE, status: expect.stringMatching(/^(SENT|DELIVERED)$/), skipReason: null, passedOver: [{ channel: 'EMAIL', reason: 'NO_CONSENT' }] });
    expect(msgs[bob.id]).toMatchObject({ channel: 'SMS', passedOver: [] });
    expect(msgs[cy.id]).toMatchObject({ channel: null, status: 'SKIPPED', skipReason: 'NO_CONSENT' });

    // Ada's SMS reached the provider; no second email was sent.
    const second = sms.requests.slice(1);
    expect(second.map((r) => r.body.to).sort()).toEqual([ADA_PHONE, BOB_PHONE].sort());
    expect(second.find((r) => r.body.to === ADA_PHONE)!.body).toMatchObject({ text: 'Hi Ada, last days of the sale!', clientRef: expect.stringContaining(msgs[ada.id].id) });
    expect(dataOf(await g(CAUGHT)).caughtMail.totalCount).toBe(1);

    const c = dataOf(await g(CONTACT_360, { id: ada.id })).contact;
    expect(nodes(c.campaignMessages).map((m: any) => [m.campaign.name, m.channel])).toEqual([['Spring 2', 'SMS'], ['Spring 1', 'EMAIL']]);
    expect(nodes(c.campaignMessages)[0].passedOver).toEqual([{ channel: 'EMAIL', reason: 'NO_CONSENT' }]);
  }, 180000);
});

describe('marketing alone behind the gateway (no contacts subgraph)', () => {
  const sms = smsStub();
  let marketing: RunningService;
  let gw: RunningGateway;
  let drop: () => Promise<void>;
  let bus: KafkaEventBus;
  const topicPrefix = `${uniqueId('e2emso')}.`;

  beforeAll(async () => {
    const smsPort = await sms.listen();
    const ms = await freshSchema('e2emso');
    drop = ms.drop;
    marketing = await startService(marketingService, { env: serviceTestEnv(ms.schema, topicPrefix, marketingEnv(smsPort)) });
    gw = await gatewayFor([marketing]);
    bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: 'e2e-contacts-stand-in', logger: pino({ level: 'warn' }) });
    await bus.connect();
  }, 120000);
  afterAll(async () => {
    await bus?.disconnect();
    await gw?.stop();
    await marketing?.stop();
    await drop?.();
    await sms.close();
  }, 60000);

  it('composes; a contact from the contacts topic resolves its Contact extension fields through marketing root fields', async () => {
    const tenantId = uniqueTenant();
    const g = gatewayClient(gw.url, { tenantId, userId: 'marketer-1', roles: ['admin'] });
    // contact.created on the contacts topic, as contacts would publish it.
    const snap: ContactSnapshot = { ...exampleSnapshot, contactId: randomUUID(), tags: ['solo'], preferredChannels: ['email'] };
    const ev = envelope({ type: ContactCreatedV1.type, subject: snap.contactId, data: snap, tenantId, source: 'crm/contacts' });
    await bus.publish([{ topic: `${topicPrefix}crm.contacts.events`, key: snap.contactId, value: JSON.stringify(ev) }]);
    await eventually(
      async () => (await adminQuery(`SELECT 1 FROM "${marketing.info.schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, snap.contactId])).length > 0,
      60000, 'the contact in marketing\'s replica',
    );
    dataOf(await g(CREATE_RULE, { i: { name: 'Solo', field: 'tag', value: 'solo', points: 15 } }));
    // A rule applies to contacts already known in the background.
    await eventually(async () => dataOf(await g(`{ scoringSettings { pendingRescores } }`)).scoringSettings.pendingRescores === 0, 30000, 'the rule applied to the known contact');
    const list = dataOf(await g(CREATE_SEGMENT, { i: { name: 'Solo list', kind: 'STATIC' } })).createSegment;
    expect(dataOf(await g(`mutation($id: ID!, $c: [ID!]!) { addToList(id: $id, contactIds: $c) { id size } }`, { id: list.id, c: [snap.contactId] })).addToList.size).toBe(1);

    const r = await g(`query($id: ID!) { segmentMembers(id: $id, first: 10) { totalCount edges { node { contact { id leadScore segments { id name kind }
      segmentHistory(first: 5) { edges { node { segmentName change reason } } } } } } } }`, { id: list.id });
    expect(r.errors).toBeUndefined();
    expect(r.data.segmentMembers).toEqual({
      totalCount: 1,
      edges: [{ node: { contact: {
        id: snap.contactId, leadScore: 15, segments: [{ id: list.id, name: 'Solo list', kind: 'STATIC' }],
        segmentHistory: { edges: [{ node: { segmentName: 'Solo list', change: 'added', reason: 'list' } }] },
      } } }],
    });

    // A campaign's messages resolve their Contact (with marketing's fields) without the contacts subgraph.
    const campaign = dataOf(await g(CREATE_CAMPAIGN, { i: { name: 'Solo campaign', includeSegmentIds: [list.id], channels: ['EMAIL'], email: emailContent } })).createCampaign;
    dataOf(await g(SCHEDULE, { id: campaign.id }));
    await pollGateway(async () => {
      const c = dataOf(await g(`query($id: ID!) { campaign(id: $id) { status messages(first: 5) { edges { node { status } } } } }`, { id: campaign.id })).campaign;
      return c.status === 'COMPLETED' && nodes(c.messages).every((m: any) => /^(SENT|DELIVERED)$/.test(m.status));
    }, 'the solo campaign completed');
    const q = await g(`query($id: ID!) { campaign(id: $id) { messages(first: 5) { edges { node { channel status contact { id leadScore segments { id }
      campaignMessages(first: 5) { totalCount } } } } } } }`, { id: campaign.id });
    expect(q.errors).toBeUndefined();
    const done = q.data.campaign;
    expect(nodes(done.messages)).toEqual([{
      channel: 'EMAIL', status: expect.stringMatching(/^(SENT|DELIVERED)$/),
      contact: { id: snap.contactId, leadScore: 15, segments: [{ id: list.id }], campaignMessages: { totalCount: 1 } },
    }]);
    expect(dataOf(await g(CAUGHT)).caughtMail.totalCount).toBe(1);
    expect(sms.requests).toHaveLength(0);
  }, 180000);
});
