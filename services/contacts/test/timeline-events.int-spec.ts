import { randomUUID } from 'node:crypto';
import { DealWonV1, envelope, topicName, type EventData } from '@crm/events';
import { dataOf, eventually, uniqueTenant } from '@crm/testing';
import { KafkaEventBus } from '@crm/platform';
import { Q, startContacts, type Gql, type Harness } from './harness';

/** The consumer `contacts.timeline` (TimelineEvents): other modules' events on the contact card. */
describe('timeline events from other modules (real Kafka + Postgres)', () => {
  let h: Harness;
  let gql: Gql;
  let tenant: string;
  let salesTopic: string;

  beforeAll(async () => {
    h = await startContacts();
    tenant = uniqueTenant();
    gql = h.client({ tenantId: tenant });
    salesTopic = topicName('sales', h.topicPrefix);
  });
  afterAll(() => h?.stop());

  const won = (contactId: string, title: string) => {
    const data: EventData<typeof DealWonV1> = { ...DealWonV1.example, dealId: randomUUID(), contactId, title };
    return envelope({ type: DealWonV1.type, source: 'crm/sales', subject: data.dealId, tenantId: tenant, data });
  };
  const publish = (...events: object[]) => (h.svc.bus as KafkaEventBus).publish(events.map((e) => ({ topic: salesTopic, key: 'k', value: JSON.stringify(e) })));
  const entries = async (id: string) => dataOf(await gql(Q.timeline, { id, first: 20 })).contact.timelineEntries.edges.map((e: any) => e.node);

  it('appends a sales event to the contact once, as consumer group contacts.timeline (the name deployed offsets are kept under)', async () => {
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Tim', lastName: 'Line' } })).createContact;
    const e = won(c.id, 'Renewal');
    await publish(e, e); // a redelivered copy
    const marker = won(c.id, 'Marker');
    await publish(marker);
    await eventually(async () => (await entries(c.id)).some((i: any) => i.summary.startsWith('Deal won: Marker')), 30000, 'the marker on the timeline');
    expect((await entries(c.id)).filter((i: any) => i.summary.startsWith('Deal won: Renewal'))).toEqual([expect.objectContaining({ kind: 'deal', sourceModule: 'sales' })]);
    const inbox = await h.sql(`SELECT consumer FROM "${h.schema}".inbox WHERE event_id = $1`, [e.id]);
    expect(inbox).toEqual([{ consumer: 'contacts.timeline' }]);
  });

  it('skips events about an erased contact', async () => {
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Gone', lastName: 'Soon' } })).createContact;
    dataOf(await gql(Q.erase, { id: c.id }));
    const e = won(c.id, 'Too late');
    await publish(e);
    await eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".inbox WHERE event_id = $1`, [e.id])).length === 1, 30000, 'the event handled');
    expect(await entries(c.id)).toEqual([]);
  });
});
