import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import {
  ContactArchivedV1,
  ContactUpdatedV1,
  envelope,
  exampleCapture,
  FormSubmittedV1,
  LeadScoreChangedV1,
  MessageOpenedV1,
  MessageSentV1,
  MessageClickedV1,
  MessageBouncedV1,
  OrderCancelledV1,
  OrderPlacedV1,
  type ContactSnapshot,
  type EventContract,
  type EventData,
} from '@crm/events';
import { inTenantTx, UnitOfWork, type CrmEventContext, type Event, type Tx } from '@crm/platform';
import { eventually, dataOf, kafkaBrokers, recordStatements, uniqueTenant } from '@crm/testing';
import { ContactReplica, preferredReachableChannel } from '@crm/shared-contacts';
import { SegmentMembership } from '../src/segments/segment-membership';
import { SegmentSweeps } from '../src/segments/segment-sweeps';
import { BehaviourEvents } from '../src/behaviour/behaviour.events';
import { FactsRepository } from '../src/behaviour/facts.repository';
import { expectError, startMarketing, type Harness } from './harness';

const CREATE = `mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id name kind timeRelative size } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateSegmentInput!) { updateSegment(id: $id, input: $i) { id name size } }`;
const PREVIEW = `query($r: SegmentRuleInput!) { previewSegment(rule: $r) { size contacts { id } } }`;
const MEMBERS = `query($id: ID!) { segmentMembers(id: $id, first: 100) { totalCount edges { node { contact { id } } } } }`;
const CONTACT = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id segments { id name } segmentHistory(first: 20) { totalCount edges { node { segmentName change reason } } } } } }`;
const PORTRAIT = `query($id: ID!) { segment(id: $id) { size portrait { size reachableChannel { key count } lifecycleStage { key count } country { key count } leadScoreBand { key count } rfmBand { key count } } } }`;

const day = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * day).toISOString();
const consent = (channel: 'email' | 'sms' | 'phone' | 'post' | 'social', status: 'granted' | 'withdrawn', recordedAt = '2026-01-01T00:00:00.000Z') => ({ channel, status, legalBasis: 'consent', recordedAt });
const sorted = (ids: string[]) => [...ids].sort();

describe('segments: static lists, dynamic rules, incremental membership, behaviour, portrait', () => {
  let h: Harness;
  let producer: Producer;
  let prefix: string;

  beforeAll(async () => {
    h = await startMarketing({ MARKETING_SEGMENT_SWEEP: 'false' });
    prefix = (h.svc.config as unknown as { KAFKA_TOPIC_PREFIX: string }).KAFKA_TOPIC_PREFIX;
    producer = new Kafka({ clientId: 'segments-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await h?.stop();
  });

  /** An event on another module's topic (or marketing's own), as its outbox relay would publish it. */
  async function publish<C extends EventContract>(tenantId: string, contract: C, subject: string, data: EventData<C>, time?: Date) {
    const ev = envelope({ type: contract.type, subject, data, tenantId, source: `crm/${contract.module}`, time });
    await producer.send({ topic: `${prefix}crm.${contract.module}.events`, acks: -1, messages: [{ key: subject, value: JSON.stringify(ev) }] });
    return ev.id;
  }

  /** A contact known to the replica AND to segment membership (its facts row exists). */
  async function contact(tenantId: string, over: Partial<ContactSnapshot>): Promise<ContactSnapshot> {
    const c = await h.contact(tenantId, { tags: [], consents: [], ...over });
    await waitFacts(tenantId, c.contactId);
    return c;
  }
  async function waitFacts(tenantId: string, contactId: string, where = 'true') {
    await eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".contact_facts WHERE tenant_id = $1 AND contact_id = $2 AND ${where}`, [tenantId, contactId])).length > 0, 30000, `facts of ${contactId} (${where})`);
  }
  /**
   * A transaction of its own (as a concurrent consumer's) that runs `before`, then stays open until
   * `release()`, then runs `after` and commits (`done`). Resolves once `before` has run.
   */
  async function heldOpen(tenantId: string, before: (tx: Tx) => Promise<unknown>, after?: (tx: Tx) => Promise<unknown>) {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let ran!: () => void;
    const beforeRan = new Promise<void>((r) => (ran = r));
    const done = h.svc.app.get(UnitOfWork).run(tenantId, async (tx) => {
      await before(tx);
      ran();
      await released;
      await after?.(tx);
    });
    await Promise.race([beforeRan, done]);
    return { release, done };
  }
  /** A transaction of its own running `handle`, once it waits for an advisory lock (`pid`: its backend; `done`: its end). */
  async function waitingForTheLock(tenantId: string, handle: (tx: Tx) => Promise<unknown>, what: string): Promise<{ pid: number; done: Promise<void> }> {
    let pid = 0;
    const done = h.svc.app.get(UnitOfWork).run(tenantId, async (tx) => {
      pid = (await tx.one<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).pid;
      await handle(tx);
    });
    await eventually(async () => pid > 0 && (await h.sql(`SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted`, [pid])).length > 0, 10000, `${what} waits for the contact lock`);
    return { pid, done };
  }
  const handledFacts = (eventId: string, what: string) => h.handled('marketing.contact-facts', eventId, what);
  /** An open of the contact as contact-facts handles it from Kafka. */
  function openOf(tenantId: string, contactId: string) {
    const m = { messageId: randomUUID(), campaignId: randomUUID(), campaignName: 'Spring', contactId, channel: 'email' as const, variant: null };
    const event = envelope({ type: MessageOpenedV1.type, subject: m.messageId, tenantId, source: 'crm/marketing', data: { ...m, openedAt: ago(1) } }) as Event<typeof MessageOpenedV1>;
    return (tx: Tx) => h.svc.app.get(BehaviourEvents).onOpened(event, { tx } as CrmEventContext);
  }
  /** While `hold` keeps a transaction open, an open of `contactId` waits for the contact lock; then both end. */
  async function anOpenWaitsBehind(tenantId: string, hold: (tx: Tx) => Promise<unknown>, contactId: string, what: string): Promise<void> {
    const held = await heldOpen(tenantId, hold);
    const open = await waitingForTheLock(tenantId, openOf(tenantId, contactId), what);
    held.release();
    await Promise.all([held.done, open.done]);
  }
  async function openedCount(tenantId: string, contactId: string): Promise<number> {
    return (await h.sql<{ opened_count: number }>(`SELECT opened_count FROM "${h.schema}".contact_facts WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId]))[0].opened_count;
  }
  /** contact-facts' statements of a tenant among recorded ones (its activity, its facts, the contact lock). */
  function factsStatements(tenantId: string, sts: ReturnType<typeof recordStatements>['statements']) {
    return sts.filter((st) => st.params[0] === tenantId && /contact_activity|contact_facts|pg_advisory_xact_lock\(hashtextextended\(\$1/.test(st.sql));
  }
  async function memberIds(tenantId: string, segmentId: string): Promise<string[]> {
    const rows = await h.sql<{ contact_id: string }>(`SELECT contact_id FROM "${h.schema}".segment_members WHERE tenant_id = $1 AND segment_id = $2`, [tenantId, segmentId]);
    return sorted(rows.map((r) => r.contact_id));
  }
  async function waitMembers(tenantId: string, segmentId: string, expected: string[]) {
    await eventually(async () => JSON.stringify(await memberIds(tenantId, segmentId)) === JSON.stringify(sorted(expected)), 30000, `members of ${segmentId} = ${expected.join(',')}`);
  }
  const cond = (field: string, op: string, more: Record<string, unknown> = {}) => ({ field, op, ...more });

  it('refuses an unknown field, a type mismatch, an operator that does not apply and a malformed node, naming each path; nothing is written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const e1 = expectError(
      await gql(CREATE, { i: { name: 'Bad', kind: 'DYNAMIC', rule: { and: [cond('tags', 'CONTAINS', { value: 'vip' }), cond('favouriteColour', 'EQ', { value: 'blue' })] } } }),
      'BAD_USER_INPUT',
    );
    expect(e1.extensions!.fields).toEqual([{ field: 'input.rule.and.1.field', message: expect.stringContaining('unknown field "favouriteColour"') }]);
    const e2 = expectError(
      await gql(CREATE, {
        i: {
          name: 'Bad',
          kind: 'DYNAMIC',
          rule: {
            or: [
              cond('leadScore', 'GT', { value: 'high' }),
              cond('spent', 'GT', { value: '10', currency: 'XXX' }),
              cond('tags', 'GT', { value: '1' }),
              { not: { field: 'opened', op: 'GTE', value: '1.5' } },
              { field: 'createdAt', op: 'BEFORE', value: 'yesterday' },
              { field: 'lifecycleStage', op: 'IN', values: [] },
              { and: [cond('tags', 'IS_SET')], field: 'tags' },
            ],
          },
        },
      }),
      'BAD_USER_INPUT',
    );
    expect((e2.extensions!.fields as { field: string }[]).map((f) => f.field)).toEqual([
      'input.rule.or.0.value',
      'input.rule.or.1.currency',
      'input.rule.or.2.op',
      'input.rule.or.3.not.value',
      'input.rule.or.4.value',
      'input.rule.or.5.values',
      'input.rule.or.6.field',
    ]);
    const e3 = expectError(await gql(CREATE, { i: { name: 'No rule', kind: 'DYNAMIC' } }), 'BAD_USER_INPUT');
    expect(e3.extensions!.fields).toEqual([{ field: 'input.rule', message: 'a dynamic segment needs a rule' }]);
    const e4 = expectError(await gql(PREVIEW, { r: { not: cond('consent.pigeon', 'EQ', { value: 'granted' }) } }), 'BAD_USER_INPUT');
    expect(e4.extensions!.fields).toEqual([{ field: 'rule.not.field', message: expect.stringContaining('unknown field') }]);
    expect(await h.outboxEvents(tenantId)).toEqual([]);
    expect(dataOf(await gql(`{ segments { id } }`)).segments).toEqual([]);
  });

  it('each operator on replica fields, AND/OR/NOT nesting; archived and erased contacts are never members', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const acme = randomUUID();
    const a = await contact(tenantId, {
      tags: ['vip', 'newsletter'], lifecycleStage: 'customer', companyId: acme, companyName: 'Acme Ltd', ownerId: 'user-1',
      preferredChannels: ['email', 'sms'], consents: [consent('email', 'granted')], emails: [{ email: 'a@example.com', primary: true }],
      country: 'DE', timeZone: 'Europe/Berlin', customFields: { plan: 'pro', seats: 12 }, createdAt: '2025-06-01T00:00:00.000Z',
    });
    const b = await contact(tenantId, {
      tags: ['newsletter'], lifecycleStage: 'lead', companyId: null, companyName: null, ownerId: 'user-2',
      preferredChannels: ['sms', 'email'], consents: [consent('sms', 'granted', '2026-01-01T00:00:00.000Z'), consent('sms', 'withdrawn', '2026-02-01T00:00:00.000Z'), consent('email', 'granted')],
      emails: [{ email: 'b@example.com', primary: true }],
      country: 'FR', timeZone: 'Europe/Paris', customFields: { plan: 'free', seats: '3' }, createdAt: ago(10),
    });
    const c = await contact(tenantId, {
      tags: [], lifecycleStage: null, companyId: null, companyName: null, ownerId: null, preferredChannels: ['email'], consents: [],
      country: null, addresses: [], timeZone: null, customFields: {}, createdAt: undefined,
    });
    const archived = await contact(tenantId, { tags: ['vip'], lifecycleStage: 'customer', consents: [consent('email', 'granted')] });
    await h.publishContactEvent(tenantId, ContactArchivedV1.type, archived.contactId, { contactId: archived.contactId, version: 2, archivedAt: new Date().toISOString(), archivedBy: 'user-1' });
    await h.waitReplica(tenantId, archived.contactId, 'archived_at IS NOT NULL');
    const erased = await contact(tenantId, { tags: ['vip'], lifecycleStage: 'customer' });
    await h.erase(tenantId, erased.contactId);

    const A = a.contactId, B = b.contactId, C = c.contactId;
    const cases: [string, unknown, string[]][] = [
      ['tags CONTAINS', cond('tags', 'CONTAINS', { value: 'vip' }), [A]],
      ['tags NOT_CONTAINS', cond('tags', 'NOT_CONTAINS', { value: 'vip' }), [B, C]],
      ['tags CONTAINS_ANY', cond('tags', 'CONTAINS_ANY', { values: ['vip', 'newsletter'] }), [A, B]],
      ['tags CONTAINS_ALL', cond('tags', 'CONTAINS_ALL', { values: ['vip', 'newsletter'] }), [A]],
      ['tags IS_SET', cond('tags', 'IS_SET'), [A, B]],
      ['tags IS_NOT_SET', cond('tags', 'IS_NOT_SET'), [C]],
      ['stage EQ', cond('lifecycleStage', 'EQ', { value: 'customer' }), [A]],
      ['stage NEQ (no stage is not equal)', cond('lifecycleStage', 'NEQ', { value: 'customer' }), [B, C]],
      ['stage IN', cond('lifecycleStage', 'IN', { values: ['lead', 'customer'] }), [A, B]],
      ['stage NOT_IN', cond('lifecycleStage', 'NOT_IN', { values: ['lead'] }), [A, C]],
      ['stage IS_NOT_SET', cond('lifecycleStage', 'IS_NOT_SET'), [C]],
      ['company name CONTAINS, case-insensitive', cond('companyName', 'CONTAINS', { value: 'acme' }), [A]],
      ['company name CONTAINS a LIKE wildcard literally', cond('companyName', 'CONTAINS', { value: '%' }), []],
      ['company id EQ', cond('companyId', 'EQ', { value: acme }), [A]],
      ['owner IS_SET', cond('ownerId', 'IS_SET'), [A, B]],
      ['owner EQ', cond('ownerId', 'EQ', { value: 'user-2' }), [B]],
      ['consent.email granted', cond('consent.email', 'EQ', { value: 'granted' }), [A, B]],
      ['consent.sms withdrawn (the latest record wins)', cond('consent.sms', 'EQ', { value: 'withdrawn' }), [B]],
      ['consent.email none', cond('consent.email', 'EQ', { value: 'none' }), [C]],
      ['reachable channel EQ email (B: sms withdrawn, falls to email)', cond('reachableChannel', 'EQ', { value: 'email' }), [A, B]],
      ['reachable channel IS_NOT_SET', cond('reachableChannel', 'IS_NOT_SET'), [C]],
      ['country EQ (ISO code, any case)', cond('country', 'EQ', { value: 'de' }), [A]],
      ['country IN', cond('country', 'IN', { values: ['DE', 'FR'] }), [A, B]],
      ['country IS_NOT_SET', cond('country', 'IS_NOT_SET'), [C]],
      ['time zone EQ', cond('timeZone', 'EQ', { value: 'Europe/Berlin' }), [A]],
      ['created BEFORE', cond('createdAt', 'BEFORE', { value: '2026-01-01' }), [A]],
      ['created AFTER', cond('createdAt', 'AFTER', { value: '2026-01-01T00:00:00Z' }), [B]],
      ['created WITHIN_LAST_DAYS', cond('createdAt', 'WITHIN_LAST_DAYS', { days: 30 }), [B]],
      ['created OLDER_THAN_DAYS', cond('createdAt', 'OLDER_THAN_DAYS', { days: 30 }), [A]],
      ['created IS_NOT_SET', cond('createdAt', 'IS_NOT_SET'), [C]],
      ['custom field EQ', cond('customFields.plan', 'EQ', { value: 'pro' }), [A]],
      ['custom field NEQ (absent is not equal)', cond('customFields.plan', 'NEQ', { value: 'pro' }), [B, C]],
      ['custom field IN', cond('customFields.plan', 'IN', { values: ['free', 'trial'] }), [B]],
      ['custom field GT, numeric (a JSON number or a numeric string)', cond('customFields.seats', 'GT', { value: '5' }), [A]],
      ['custom field LTE', cond('customFields.seats', 'LTE', { value: '5' }), [B]],
      ['custom field GT on text never compares', cond('customFields.plan', 'GT', { value: '1' }), []],
      ['custom field IS_SET', cond('customFields.plan', 'IS_SET'), [A, B]],
      ['custom field CONTAINS', cond('customFields.plan', 'CONTAINS', { value: 'RE' }), [B]],
      ['NOT', { not: cond('tags', 'CONTAINS', { value: 'vip' }) }, [B, C]],
      ['AND', { and: [cond('tags', 'CONTAINS', { value: 'newsletter' }), cond('ownerId', 'EQ', { value: 'user-2' })] }, [B]],
      ['OR', { or: [cond('ownerId', 'EQ', { value: 'user-2' }), cond('tags', 'IS_NOT_SET')] }, [B, C]],
      [
        'OR of (AND with NOT) and a condition',
        { or: [{ and: [cond('tags', 'CONTAINS', { value: 'newsletter' }), { not: cond('lifecycleStage', 'EQ', { value: 'lead' }) }] }, cond('lifecycleStage', 'IS_NOT_SET')] },
        [A, C],
      ],
      ['NOT of NOT', { not: { not: cond('consent.email', 'EQ', { value: 'granted' }) } }, [A, B]],
    ];
    for (const [label, rule, expected] of cases) {
      const p = dataOf(await gql(PREVIEW, { r: rule })).previewSegment;
      expect({ label, ids: sorted(p.contacts.map((x: { id: string }) => x.id)), size: p.size }).toEqual({ label, ids: sorted(expected), size: expected.length });
    }
    // Saved: the same members, set-based, and the size says so.
    const nested = cases.find(([label]) => label === 'OR of (AND with NOT) and a condition')![1];
    const seg = dataOf(await gql(CREATE, { i: { name: 'Newsletter, not leads, or no stage', kind: 'DYNAMIC', rule: nested } })).createSegment;
    expect(seg).toMatchObject({ kind: 'DYNAMIC', size: 2, timeRelative: false });
    expect(await memberIds(tenantId, seg.id)).toEqual(sorted([A, C]));
  });

  it('a contact.updated event moves only that contact in or out (history and Contact.segments follow)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const a = await contact(tenantId, { tags: ['vip'] });
    const b = await contact(tenantId, { tags: [] });
    const vip = dataOf(await gql(CREATE, { i: { name: 'VIPs', kind: 'DYNAMIC', rule: cond('tags', 'CONTAINS', { value: 'vip' }) } })).createSegment;
    expect(vip.size).toBe(1);
    const saved = dataOf(await gql(`query($id: ID!) { segment(id: $id) { rule { and { field } field op value values days currency } } }`, { id: vip.id })).segment;
    expect(saved.rule).toEqual({ and: null, field: 'tags', op: 'CONTAINS', value: 'vip', values: null, days: null, currency: null });
    await h.publishContactEvent(tenantId, ContactUpdatedV1.type, b.contactId, { ...b, version: 2, tags: ['vip'], changed: ['tags'] });
    await waitMembers(tenantId, vip.id, [a.contactId, b.contactId]);
    await h.publishContactEvent(tenantId, ContactUpdatedV1.type, a.contactId, { ...a, version: 2, tags: ['former-vip'], changed: ['tags'] });
    await waitMembers(tenantId, vip.id, [b.contactId]);
    const [ca, cb] = dataOf(await gql(CONTACT, { r: [{ __typename: 'Contact', id: a.contactId }, { __typename: 'Contact', id: b.contactId }] }))._entities;
    expect(ca.segments).toEqual([]);
    expect(cb.segments).toEqual([{ id: vip.id, name: 'VIPs' }]);
    expect(ca.segmentHistory).toEqual({
      totalCount: 2,
      edges: [{ node: { segmentName: 'VIPs', change: 'removed', reason: 'rule' } }, { node: { segmentName: 'VIPs', change: 'added', reason: 'rule' } }],
    });
    // An older snapshot arriving late changes nothing.
    await h.publishContactEvent(tenantId, ContactUpdatedV1.type, a.contactId, { ...a, version: 1, tags: ['vip'], changed: ['tags'] });
    await h.publishContactEvent(tenantId, ContactUpdatedV1.type, b.contactId, { ...b, version: 3, tags: ['vip'], lifecycleStage: 'customer', changed: ['lifecycleStage'] });
    await eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2 AND version = 3`, [tenantId, b.contactId])).length > 0);
    await waitFacts(tenantId, b.contactId);
    expect(await memberIds(tenantId, vip.id)).toEqual([b.contactId]);
  });

  it('behaviour from marketing events: counts with windows, recency, forms, lead score (incremental)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const p = await contact(tenantId, {});
    const q = await contact(tenantId, {});
    const make = async (name: string, rule: unknown) => dataOf(await gql(CREATE, { i: { name, kind: 'DYNAMIC', rule } })).createSegment;
    const opened2 = await make('Opened twice in 30 days', cond('opened', 'GTE', { value: '2', days: 30 }));
    expect(opened2.timeRelative).toBe(true);
    const receivedNotOpened = await make('Received, never opened', { and: [cond('received', 'GTE', { value: '1' }), cond('opened', 'EQ', { value: '0' })] });
    const clickedRecently = await make('Clicked this week', cond('clicked', 'WITHIN_LAST_DAYS', { days: 7 }));
    const bounced = await make('Bounced', cond('bounced', 'GT', { value: '0' }));
    const formed = await make('Submitted a form', cond('formsSubmitted', 'GTE', { value: '1' }));
    const hot = await make('Hot', cond('leadScore', 'GTE', { value: '50' }));
    const ref = (contactId: string) => ({ messageId: randomUUID(), campaignId: randomUUID(), campaignName: 'Spring', contactId, channel: 'email' as const, variant: null });

    const m1 = ref(p.contactId);
    await publish(tenantId, MessageSentV1, m1.messageId, { ...m1, sentAt: ago(40) });
    await publish(tenantId, MessageOpenedV1, m1.messageId, { ...m1, openedAt: ago(40) });
    const m2 = ref(p.contactId);
    await publish(tenantId, MessageOpenedV1, m2.messageId, { ...m2, openedAt: ago(2) });
    const mq = ref(q.contactId);
    await publish(tenantId, MessageSentV1, mq.messageId, { ...mq, sentAt: ago(1) });
    await publish(tenantId, MessageClickedV1, mq.messageId, { ...mq, url: 'https://example.com', clickedAt: ago(1) });
    await publish(tenantId, MessageBouncedV1, mq.messageId, { ...mq, kind: 'soft', diagnostic: null, bouncedAt: ago(1) });
    await waitFacts(tenantId, q.contactId, 'bounced_count = 1');
    await waitFacts(tenantId, p.contactId, 'opened_count = 2');
    // P opened twice, but one open is 40 days old: not "twice in 30 days".
    expect(await memberIds(tenantId, opened2.id)).toEqual([]);
    expect(await memberIds(tenantId, receivedNotOpened.id)).toEqual([q.contactId]);
    expect(await memberIds(tenantId, clickedRecently.id)).toEqual([q.contactId]);
    expect(await memberIds(tenantId, bounced.id)).toEqual([q.contactId]);
    const m3 = ref(p.contactId);
    await publish(tenantId, MessageOpenedV1, m3.messageId, { ...m3, openedAt: ago(0) });
    await waitMembers(tenantId, opened2.id, [p.contactId]);
    // The same open delivered again counts once.
    await publish(tenantId, MessageOpenedV1, m3.messageId, { ...m3, openedAt: ago(0) });

    await publish(tenantId, FormSubmittedV1, randomUUID(), { submissionId: randomUUID(), formId: randomUUID(), formName: 'Webinar', capture: { ...exampleCapture, contactId: q.contactId } });
    await waitMembers(tenantId, formed.id, [q.contactId]);

    await publish(tenantId, LeadScoreChangedV1, q.contactId, { contactId: q.contactId, score: 60, previousScore: 0, reason: 'form', changedAt: ago(0.02) });
    await waitMembers(tenantId, hot.id, [q.contactId]);
    // An older score arriving late does not win over the newer one.
    await publish(tenantId, LeadScoreChangedV1, q.contactId, { contactId: q.contactId, score: 10, previousScore: 0, reason: 'old', changedAt: ago(3) });
    await publish(tenantId, LeadScoreChangedV1, p.contactId, { contactId: p.contactId, score: 55, previousScore: 0, reason: 'opens', changedAt: ago(0) });
    await waitMembers(tenantId, hot.id, [p.contactId, q.contactId]);
    await publish(tenantId, LeadScoreChangedV1, q.contactId, { contactId: q.contactId, score: 45, previousScore: 60, reason: 'decay', changedAt: ago(0) });
    await waitMembers(tenantId, hot.id, [p.contactId]);
    expect(await openedCount(tenantId, p.contactId)).toBe(3);
  });

  it('a behaviour event costs contact-facts two round trips (lock with activity, aggregates with the segments); a redelivered one only the first', async () => {
    const tenantId = uniqueTenant();
    const c = await contact(tenantId, {});
    const m = { messageId: randomUUID(), campaignId: randomUUID(), campaignName: 'Spring', contactId: c.contactId, channel: 'email' as const, variant: null };
    const recorded = recordStatements(h.svc.dataSource);
    try {
      await publish(tenantId, MessageOpenedV1, m.messageId, { ...m, openedAt: ago(1) });
      await waitFacts(tenantId, c.contactId, 'opened_count = 1');
    } finally {
      recorded.restore();
    }
    const ofFacts = (sts: typeof recorded.statements) => factsStatements(tenantId, sts);
    const facts = ofFacts(recorded.statements);
    expect(facts).toHaveLength(2);
    expect(facts[0].sql).toMatch(/pg_advisory_xact_lock[\s\S]*INSERT INTO contact_activity/);
    expect(facts[1].sql).toMatch(/INSERT INTO contact_facts[\s\S]*FROM segments/);
    // The same activity again (another event id, the same message): the row exists, nothing more is recounted.
    const again = recordStatements(h.svc.dataSource);
    try {
      await handledFacts(await publish(tenantId, MessageOpenedV1, m.messageId, { ...m, openedAt: ago(1) }), 'the second open');
    } finally {
      again.restore();
    }
    expect(ofFacts(again.statements)).toHaveLength(1);
    expect(await openedCount(tenantId, c.contactId)).toBe(1);
  });

  it('a behaviour event waits for the contact lock before it records and counts: two opens of one contact in parallel count two', async () => {
    const tenantId = uniqueTenant();
    const c = await contact(tenantId, {});
    const facts = h.svc.app.get(FactsRepository);
    const membership = h.svc.app.get(SegmentMembership);
    // One open recorded and counted, not committed yet.
    const first = async (tx: Tx) => {
      await facts.lockAndRecord(tx, { contactId: c.contactId, kind: 'opened', sourceId: randomUUID(), occurredAt: ago(1) });
      await membership.activityChanged(tx, c.contactId);
    };
    await anOpenWaitsBehind(tenantId, first, c.contactId, 'the second open');
    expect(await openedCount(tenantId, c.contactId)).toBe(2);
  });

  it('the contact lock is the same whatever the case of the id: an event naming the contact in capitals and one in lowercase wait for each other', async () => {
    const tenantId = uniqueTenant();
    const c = await contact(tenantId, {});
    const upperId = c.contactId.toUpperCase();
    // The two statements that lock one contact by the id an event names: a contact event's
    // lockContact, and the dynamic segments' lockAndDynamic (activityChanged).
    const holders = [
      (tx: Tx) => h.svc.app.get(FactsRepository).lockContact(tx, upperId),
      (tx: Tx) => h.svc.app.get(SegmentMembership).activityChanged(tx, upperId),
    ];
    for (const hold of holders) await anOpenWaitsBehind(tenantId, hold, c.contactId, 'the lowercase open');
    expect(await openedCount(tenantId, c.contactId)).toBe(2);
  });

  it('a lead-score change takes the contact lock before writing its facts: waiting behind a behaviour event of the same contact it holds no contact_facts row (no deadlock)', async () => {
    const tenantId = uniqueTenant();
    const c = await contact(tenantId, {});
    const facts = h.svc.app.get(FactsRepository);
    const behaviour = h.svc.app.get(BehaviourEvents);
    const membership = h.svc.app.get(SegmentMembership);
    // A behaviour event's transaction: the contact lock with its activity row, then (later) the facts row.
    const behaviourTx = await heldOpen(
      tenantId,
      (tx) => facts.lockAndRecord(tx, { contactId: c.contactId, kind: 'opened', sourceId: randomUUID(), occurredAt: ago(1) }),
      (tx) => membership.activityChanged(tx, c.contactId),
    );
    const event = envelope({ type: LeadScoreChangedV1.type, subject: c.contactId, tenantId, source: 'crm/marketing', data: { contactId: c.contactId, score: 42, previousScore: 0, reason: 'rules', changedAt: new Date().toISOString() } }) as Event<typeof LeadScoreChangedV1>;
    const scoreTx = await waitingForTheLock(tenantId, (tx) => behaviour.onScore(event, { tx } as CrmEventContext), 'the score transaction');
    // Had it written its row first, the behaviour transaction's write would now wait for it while it waits for the lock.
    const held = await h.sql<{ relname: string; mode: string }>(
      `SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = $1 AND c.relname LIKE 'contact_facts%'`,
      [scoreTx.pid],
    );
    expect(held).toEqual([]);
    behaviourTx.release();
    await Promise.all([behaviourTx.done, scoreTx.done]);
    expect((await h.sql<{ lead_score: number }>(`SELECT lead_score FROM "${h.schema}".contact_facts WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, c.contactId]))[0].lead_score).toBe(42);
  });

  it('a behaviour event of a contact merged while it waited for the contact lock counts for the survivor, nothing left under the merged-away id, the survivor\'s score kept', async () => {
    const tenantId = uniqueTenant();
    const survivor = await contact(tenantId, {});
    const dup = await contact(tenantId, {});
    const uow = h.svc.app.get(UnitOfWork);
    const replica = h.svc.app.get(ContactReplica);
    const behaviour = h.svc.app.get(BehaviourEvents);
    // A negative score (rules may take points away): moving the duplicate's facts must not raise it to the column's default.
    const scored = envelope({ type: LeadScoreChangedV1.type, subject: survivor.contactId, tenantId, source: 'crm/marketing', data: { contactId: survivor.contactId, score: -10, previousScore: 0, reason: 'rules', changedAt: ago(2) } });
    await uow.run(tenantId, (tx) => behaviour.onScore(scored as Event<typeof LeadScoreChangedV1>, { tx } as CrmEventContext));
    // The merge as the replica's consumer applies it (the duplicate marked, the hooks taking both contacts' locks), not committed yet.
    const merge = await heldOpen(tenantId, (tx) => replica.applyMerge(tx, { survivorId: survivor.contactId, duplicateId: dup.contactId, survivor: { ...survivor, version: survivor.version + 1 } }));
    let open: { done: Promise<void> };
    try {
      open = await waitingForTheLock(tenantId, openOf(tenantId, dup.contactId), 'the open');
    } finally {
      // Its statement read the replica before the merge committed: the row goes to the merged-away id first.
      merge.release();
    }
    await Promise.all([merge.done, open.done]);
    const facts = await h.sql(`SELECT contact_id, opened_count, lead_score FROM "${h.schema}".contact_facts WHERE tenant_id = $1`, [tenantId]);
    expect(facts).toEqual([{ contact_id: survivor.contactId, opened_count: 1, lead_score: -10 }]);
    const activity = await h.sql(`SELECT contact_id FROM "${h.schema}".contact_activity WHERE tenant_id = $1`, [tenantId]);
    expect(activity).toEqual([{ contact_id: survivor.contactId }]);
  });

  it('a behaviour event of a contact whose merges form a cycle throws (its consumer then retries and dead-letters it) and writes nothing, instead of counting under a merged-away id', async () => {
    const tenantId = uniqueTenant();
    const [a, b] = [await contact(tenantId, {}), await contact(tenantId, {})];
    // A corrupt replica: each merged into the other.
    await h.sql(`UPDATE "${h.schema}".contact_replica SET merged_into = CASE contact_id WHEN $2::uuid THEN $3::uuid ELSE $2::uuid END WHERE tenant_id = $1 AND contact_id IN ($2, $3)`, [tenantId, a.contactId, b.contactId]);
    const uow = h.svc.app.get(UnitOfWork);
    const factsNow = () => h.sql(`SELECT * FROM "${h.schema}".contact_facts WHERE tenant_id = $1 ORDER BY contact_id`, [tenantId]);
    const before = await factsNow();
    await expect(uow.run(tenantId, openOf(tenantId, a.contactId))).rejects.toThrow(/merges form a cycle/);
    expect(await factsNow()).toEqual(before);
    expect(await h.sql(`SELECT contact_id FROM "${h.schema}".contact_activity WHERE tenant_id = $1`, [tenantId])).toEqual([]);
  });

  it('a merge moves the score an event set: it wins over a row only aggregates made (default 0), and the higher of two set scores is kept', async () => {
    const tenantId = uniqueTenant();
    const uow = h.svc.app.get(UnitOfWork);
    const facts = h.svc.app.get(FactsRepository);
    const [survivor, dup, other] = [randomUUID(), randomUUID(), randomUUID()];
    const scoreOf = async (id: string) => (await h.sql<{ lead_score: number; lead_score_at: Date | null }>(`SELECT lead_score, lead_score_at FROM "${h.schema}".contact_facts WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, id]))[0];
    const setAt = ago(1);
    await uow.run(tenantId, async (tx) => {
      await facts.refreshAggregates(tx, survivor); // a row of aggregates only: lead_score 0, never set
      await facts.setLeadScore(tx, dup, -10, setAt);
      await facts.moveContact(tx, dup, survivor);
    });
    expect(await scoreOf(survivor)).toEqual({ lead_score: -10, lead_score_at: new Date(setAt) });
    await uow.run(tenantId, async (tx) => {
      await facts.setLeadScore(tx, other, 25, ago(0));
      await facts.moveContact(tx, other, survivor);
    });
    expect((await scoreOf(survivor)).lead_score).toBe(25);
    expect(await scoreOf(dup)).toBeUndefined();
  });

  it('purchases: a rule over sales data matches nobody (also under NOT) until sales events arrive; then orders, products, spend, recency and cancellation; the sweep moves time-relative members', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const p = await contact(tenantId, {});
    const q = await contact(tenantId, {});
    const make = async (name: string, rule: unknown) => dataOf(await gql(CREATE, { i: { name, kind: 'DYNAMIC', rule } })).createSegment;
    const buyers = await make('Buyers', cond('orders', 'GTE', { value: '1' }));
    const nonBuyers = await make('Non-buyers', { not: cond('orders', 'GTE', { value: '1' }) });
    const notLicence = await make('Did not buy the licence', cond('productsBought', 'NOT_CONTAINS', { value: 'LIC-STD' }));
    const licence = await make('Bought the licence', cond('productsBought', 'CONTAINS', { value: 'LIC-STD' }));
    const big = await make('Spent over 100 EUR in 90 days', cond('spent', 'GT', { value: '100', currency: 'eur', days: 90 }));
    const usd = await make('Spent over 1 USD', cond('spent', 'GT', { value: '1', currency: 'USD' }));
    const lapsed = await make('Last order over 30 days ago', cond('orders', 'OLDER_THAN_DAYS', { days: 30 }));
    const orNonSales = await make('Buyers or everyone untagged', { or: [cond('orders', 'GTE', { value: '1' }), cond('tags', 'IS_NOT_SET')] });
    for (const s of [buyers, nonBuyers, notLicence, licence, big, usd, lapsed]) expect({ name: s.name, size: s.size }).toEqual({ name: s.name, size: 0 });
    // An unknown branch does not hide a known one.
    expect(orNonSales.size).toBe(2);

    const order = (contactId: string, placedAt: string, total: string, sku: string) => {
      const m = (amount: string) => ({ amount, currency: 'EUR' });
      return {
        orderId: randomUUID(), number: 'O-1', contactId, dealId: null, quoteId: null, ownerId: 'user-1', channel: 'web_shop' as const, externalRef: null,
        lines: [{ lineId: randomUUID(), productId: randomUUID(), sku, description: sku, quantity: '1', unitPrice: m(total), discountPercent: null, discount: m('0.00'), taxRate: '0', net: m(total), tax: m('0.00'), gross: m(total) }],
        totals: { pricesIncludeTax: false, subtotal: m(total), discountTotal: m('0.00'), taxTotal: m('0.00'), total: m(total), taxes: [] },
        placedAt,
      };
    };
    const o1 = order(p.contactId, ago(25), '71.36', 'LIC-STD');
    await publish(tenantId, OrderPlacedV1, o1.orderId, o1);
    const o2 = order(p.contactId, ago(20), '40.00', 'SUPPORT');
    await publish(tenantId, OrderPlacedV1, o2.orderId, o2);
    await waitFacts(tenantId, p.contactId, 'order_count = 2');
    expect(await memberIds(tenantId, buyers.id)).toEqual([p.contactId]);
    expect(await memberIds(tenantId, licence.id)).toEqual([p.contactId]);
    expect(await memberIds(tenantId, big.id)).toEqual([p.contactId]); // 71.36 + 40.00 = 111.36 > 100
    expect(await memberIds(tenantId, usd.id)).toEqual([]);
    expect(await memberIds(tenantId, lapsed.id)).toEqual([]);
    // The tenant's first sales event made purchase rules known: every dynamic segment was re-evaluated, Q included.
    await waitMembers(tenantId, nonBuyers.id, [q.contactId]);
    expect(await memberIds(tenantId, notLicence.id)).toEqual([q.contactId]);
    expect(dataOf(await gql(`query($id: ID!) { segment(id: $id) { size } }`, { id: buyers.id })).segment.size).toBe(1);

    // Time passes (the orders' dates moved back 15 days): no event, the sweep finds P lapsed.
    await h.sql(`UPDATE "${h.schema}".contact_activity SET occurred_at = occurred_at - interval '15 days' WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, p.contactId]);
    expect(await memberIds(tenantId, lapsed.id)).toEqual([]);
    const sweeps = h.svc.app.get(SegmentSweeps);
    await sweeps.sweep(new Date(Date.now() + 2 * 3_600_000));
    expect(await memberIds(tenantId, lapsed.id)).toEqual([p.contactId]);
    const sweepRows = await h.sql(`SELECT reason, change FROM "${h.schema}".segment_membership_changes WHERE tenant_id = $1 AND segment_id = $2`, [tenantId, lapsed.id]);
    expect(sweepRows).toEqual([{ reason: 'sweep', change: 'added' }]);
    // The tenant's next sweep is queued.
    expect(await h.sql(`SELECT tenant_id FROM "${h.schema}".segment_sweeps WHERE tenant_id = $1 AND due_at > now()`, [tenantId])).toHaveLength(1);

    await publish(tenantId, OrderCancelledV1, o1.orderId, { orderId: o1.orderId, number: 'O-1', contactId: p.contactId, channel: 'web_shop', total: o1.totals.total, cancelledAt: ago(0), cancelledBy: 'user-1' });
    await waitMembers(tenantId, licence.id, []);
    expect(await memberIds(tenantId, big.id)).toEqual([]); // 40.00 left
    expect(await memberIds(tenantId, buyers.id)).toEqual([p.contactId]);
  });

  it('static lists: add, remove, CSV of ids and emails with refused rows by line, rename, delete, events', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const a = await contact(tenantId, { emails: [{ email: 'ada@example.com', primary: true }] });
    const b = await contact(tenantId, { emails: [{ email: 'bob@example.com', primary: true }, { email: 'bob@work.example', primary: false }] });
    const c = await contact(tenantId, { emails: [{ email: 'cy@example.com', primary: true }] });
    const gone = await contact(tenantId, { emails: [{ email: 'gone@example.com', primary: true }] });
    await h.erase(tenantId, gone.contactId);
    const list = dataOf(await gql(CREATE, { i: { name: 'Fair visitors', kind: 'STATIC' } })).createSegment;
    expect(list).toMatchObject({ kind: 'STATIC', size: 0 });
    expectError(await gql(CREATE, { i: { name: 'fair VISITORS', kind: 'STATIC' } }), 'CONFLICT');
    const staticWithRule = expectError(await gql(CREATE, { i: { name: 'X', kind: 'STATIC', rule: cond('tags', 'IS_SET') } }), 'BAD_USER_INPUT');
    expect(staticWithRule.extensions!.fields).toEqual([{ field: 'input.rule', message: expect.any(String) }]);

    const ADD = `mutation($id: ID!, $c: [ID!]!) { addToList(id: $id, contactIds: $c) { id size } }`;
    const bad = expectError(await gql(ADD, { id: list.id, c: [a.contactId, randomUUID(), gone.contactId, 'nope'] }), 'BAD_USER_INPUT');
    expect((bad.extensions!.fields as { field: string }[]).map((f) => f.field)).toEqual(['contactIds.3']);
    const bad2 = expectError(await gql(ADD, { id: list.id, c: [a.contactId, randomUUID(), gone.contactId] }), 'BAD_USER_INPUT');
    expect((bad2.extensions!.fields as { field: string }[]).map((f) => f.field)).toEqual(['contactIds.1', 'contactIds.2']);
    expect(await memberIds(tenantId, list.id)).toEqual([]);
    expect(dataOf(await gql(ADD, { id: list.id, c: [a.contactId] })).addToList.size).toBe(1);
    expectError(await gql(ADD, { id: randomUUID(), c: [a.contactId] }), 'NOT_FOUND');

    const csv = ['email;id', 'bob@work.example;', ';' + c.contactId, 'nobody@example.com;', 'not-an-email;', ';' + gone.contactId, 'ADA@example.com;', ';;extra', ';' + randomUUID()].join('\n');
    const report = dataOf(await gql(`mutation($id: ID!, $csv: String!) { importListCsv(id: $id, csv: $csv) { rows added alreadyMembers failed errors { line message } } }`, { id: list.id, csv })).importListCsv;
    expect(report).toEqual({
      rows: 8,
      added: 2,
      alreadyMembers: 1,
      failed: 5,
      errors: [
        { line: 4, message: 'no active contact has the email nobody@example.com' },
        { line: 5, message: '"not-an-email" is not an email address' },
        { line: 6, message: expect.stringContaining('is erased or archived') },
        { line: 8, message: 'expected 2 columns, found 3' },
        { line: 9, message: expect.stringContaining('does not exist') },
      ],
    });
    expect(await memberIds(tenantId, list.id)).toEqual(sorted([a.contactId, b.contactId, c.contactId]));
    const members = dataOf(await gql(MEMBERS, { id: list.id })).segmentMembers;
    expect(members.totalCount).toBe(3);

    const REMOVE = `mutation($id: ID!, $c: [ID!]!) { removeFromList(id: $id, contactIds: $c) { id size } }`;
    expect(dataOf(await gql(REMOVE, { id: list.id, c: [b.contactId, randomUUID()] })).removeFromList.size).toBe(2);
    expect(dataOf(await gql(UPDATE, { id: list.id, i: { name: 'Fair 2026' } })).updateSegment).toEqual({ id: list.id, name: 'Fair 2026', size: 2 });
    expectError(await gql(UPDATE, { id: list.id, i: { rule: cond('tags', 'IS_SET') } }), 'BAD_USER_INPUT');
    expect(dataOf(await gql(`mutation($id: ID!) { deleteSegment(id: $id) }`, { id: list.id })).deleteSegment).toBe(list.id);
    expectError(await gql(`mutation($id: ID!) { deleteSegment(id: $id) }`, { id: list.id }), 'NOT_FOUND');
    expectError(await gql(MEMBERS, { id: list.id }), 'NOT_FOUND');
    expect(await memberIds(tenantId, list.id)).toEqual([]);

    const events = (await h.outboxEvents(tenantId)).filter((e) => e.type.startsWith('crm.marketing.segment.'));
    const ref = { segmentId: list.id, kind: 'static', timeRelative: false };
    expect(events).toEqual([
      { key: list.id, type: 'crm.marketing.segment.created.v1', data: { ...ref, name: 'Fair visitors', size: 0, createdBy: 'user-1', createdAt: expect.any(String) } },
      { key: list.id, type: 'crm.marketing.segment.updated.v1', data: { ...ref, name: 'Fair visitors', changes: ['members'], size: 1, updatedBy: 'user-1', updatedAt: expect.any(String) } },
      { key: list.id, type: 'crm.marketing.segment.updated.v1', data: { ...ref, name: 'Fair visitors', changes: ['members'], size: 3, updatedBy: 'user-1', updatedAt: expect.any(String) } },
      { key: list.id, type: 'crm.marketing.segment.updated.v1', data: { ...ref, name: 'Fair visitors', changes: ['members'], size: 2, updatedBy: 'user-1', updatedAt: expect.any(String) } },
      { key: list.id, type: 'crm.marketing.segment.updated.v1', data: { ...ref, name: 'Fair 2026', changes: ['name'], size: 2, updatedBy: 'user-1', updatedAt: expect.any(String) } },
      { key: list.id, type: 'crm.marketing.segment.deleted.v1', data: { ...ref, name: 'Fair 2026', deletedBy: 'user-1', deletedAt: expect.any(String) } },
    ]);
    // A read-only user reads but does not write.
    const ro = h.client({ tenantId, roles: ['read-only'] });
    expect(dataOf(await ro(`{ segments { id } }`)).segments).toEqual([]);
    expectError(await ro(CREATE, { i: { name: 'RO', kind: 'STATIC' } }), 'FORBIDDEN');
  });

  it('merge moves list memberships and behaviour to the survivor; erasure removes every row of the person', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const survivor = await contact(tenantId, {});
    const dup = await contact(tenantId, {});
    const list = dataOf(await gql(CREATE, { i: { name: 'List', kind: 'STATIC' } })).createSegment;
    await gql(`mutation($id: ID!, $c: [ID!]!) { addToList(id: $id, contactIds: $c) { id } }`, { id: list.id, c: [dup.contactId] });
    const openers = dataOf(await gql(CREATE, { i: { name: 'Openers', kind: 'DYNAMIC', rule: cond('opened', 'GTE', { value: '1' }) } })).createSegment;
    const msg = { messageId: randomUUID(), campaignId: randomUUID(), campaignName: 'C', contactId: dup.contactId, channel: 'email' as const, variant: null };
    await publish(tenantId, MessageOpenedV1, msg.messageId, { ...msg, openedAt: ago(1) });
    await publish(tenantId, LeadScoreChangedV1, dup.contactId, { contactId: dup.contactId, score: 30, previousScore: 0, reason: 'x', changedAt: ago(0) });
    await waitFacts(tenantId, dup.contactId, 'lead_score = 30');
    await waitMembers(tenantId, openers.id, [dup.contactId]);

    await h.merge(tenantId, survivor, dup.contactId);
    await waitMembers(tenantId, openers.id, [survivor.contactId]);
    expect(await memberIds(tenantId, list.id)).toEqual([survivor.contactId]);
    const facts = await h.sql(`SELECT contact_id, opened_count, lead_score FROM "${h.schema}".contact_facts WHERE tenant_id = $1 ORDER BY contact_id`, [tenantId]);
    expect(facts).toEqual([{ contact_id: survivor.contactId, opened_count: 1, lead_score: 30 }]);
    // An event of the merged-away id in flight during the merge (a late open) counts for the survivor.
    const lateOfDup = { ...msg, messageId: randomUUID() };
    const recorded = recordStatements(h.svc.dataSource);
    try {
      await publish(tenantId, MessageOpenedV1, lateOfDup.messageId, { ...lateOfDup, openedAt: ago(0) });
      await waitFacts(tenantId, survivor.contactId, 'opened_count = 2');
    } finally {
      recorded.restore();
    }
    // Recorded for the survivor at once: only its aggregates recomputed, nothing moved afterwards (which would take the duplicate's lock first).
    const ofLate = factsStatements(tenantId, recorded.statements);
    expect(ofLate.filter((st) => /INSERT INTO contact_facts[\s\S]*FROM segments/.test(st.sql)).map((st) => st.params[1])).toEqual([survivor.contactId]);
    expect(ofLate.filter((st) => /DELETE FROM contact_activity/.test(st.sql))).toEqual([]);
    // Redelivered (another event id, the same message): found under the survivor, not counted again.
    await handledFacts(await publish(tenantId, MessageOpenedV1, lateOfDup.messageId, { ...lateOfDup, openedAt: ago(0) }), 'the redelivered open');
    await waitFacts(tenantId, survivor.contactId, 'opened_count = 2');
    const activity = await h.sql(`SELECT contact_id, kind FROM "${h.schema}".contact_activity WHERE tenant_id = $1 ORDER BY occurred_at`, [tenantId]);
    expect(activity).toEqual([{ contact_id: survivor.contactId, kind: 'opened' }, { contact_id: survivor.contactId, kind: 'opened' }]);
    expect(await h.sql(`SELECT 1 FROM "${h.schema}".contact_facts WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, dup.contactId])).toEqual([]);
    // A score change of the duplicate in flight during the merge writes no row for the merged-away id
    // (the survivor's score is lead scoring's to set, from the merged points).
    await handledFacts(await publish(tenantId, LeadScoreChangedV1, dup.contactId, { contactId: dup.contactId, score: 99, previousScore: 30, reason: 'x', changedAt: ago(0) }), 'the late score of the duplicate');
    expect(await h.sql(`SELECT contact_id, lead_score FROM "${h.schema}".contact_facts WHERE tenant_id = $1`, [tenantId])).toEqual([{ contact_id: survivor.contactId, lead_score: 30 }]);
    // Nor does a late update of the duplicate (the replica keeps it merged away; its change hook derives nothing).
    await h.handled('marketing.contact-replica', await h.publishContactEvent(tenantId, 'crm.contacts.contact.updated.v1', dup.contactId, { ...dup, version: dup.version + 1, changed: ['tags'] }), 'the late update of the duplicate');
    expect(await h.sql(`SELECT 1 FROM "${h.schema}".contact_facts WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, dup.contactId])).toEqual([]);

    await h.erase(tenantId, survivor.contactId);
    const nothingLeft = async () => {
      for (const t of ['segment_members', 'segment_membership_changes', 'contact_facts', 'contact_activity']) {
        const rows = await h.sql(`SELECT 1 FROM "${h.schema}".${t} WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tenantId, [survivor.contactId, dup.contactId]]);
        expect({ t, n: rows.length }).toEqual({ t, n: 0 });
      }
    };
    await nothingLeft();
    // An event in flight when the person was erased (a late open) leaves nothing of them behind either.
    const late = { messageId: randomUUID(), campaignId: randomUUID(), campaignName: 'Spring', contactId: survivor.contactId, channel: 'email' as const, variant: null };
    await handledFacts(await publish(tenantId, MessageOpenedV1, late.messageId, { ...late, openedAt: ago(0) }), 'the late open');
    // Nor does a late score change.
    await handledFacts(await publish(tenantId, LeadScoreChangedV1, survivor.contactId, { contactId: survivor.contactId, score: 40, previousScore: 30, reason: 'x', changedAt: ago(0) }), 'the late score');
    // Nor a late update.
    await h.handled('marketing.contact-replica', await h.publishContactEvent(tenantId, 'crm.contacts.contact.updated.v1', survivor.contactId, { ...survivor, version: survivor.version + 5, changed: ['tags'] }), 'the late update');
    await nothingLeft();
    expect(dataOf(await gql(`query($id: ID!) { segment(id: $id) { size } }`, { id: openers.id })).segment.size).toBe(0);
  });

  it('portrait: counts by reachable channel (equal to preferredReachableChannel), stage, country, lead-score band and RFM band', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const phone = [{ phone: '+442071838750', primary: true }];
    const email = (e: string) => [{ email: e, primary: true }];
    const people = [
      // email reachable, customer, score 80, champion (6 recent orders totalling 1200 EUR)
      await contact(tenantId, { tags: ['p'], lifecycleStage: 'customer', preferredChannels: ['email', 'sms'], consents: [consent('email', 'granted')], emails: email('a@example.com'), phones: phone, country: 'DE' }),
      // sms: email consent withdrawn later, falls to sms; lead; score 30; one order 100 days ago → lost
      await contact(tenantId, {
        tags: ['p'], lifecycleStage: 'lead', preferredChannels: ['email', 'sms'], emails: email('b@example.com'), phones: phone,
        consents: [consent('email', 'granted', '2026-01-01T00:00:00.000Z'), consent('email', 'withdrawn', '2026-03-01T00:00:00.000Z'), consent('sms', 'granted')],
        country: 'FR',
      }),
      // unreachable: sms consent but no phone; lead; score 0; no order → prospect
      await contact(tenantId, { tags: ['p'], lifecycleStage: 'lead', preferredChannels: ['sms'], consents: [consent('sms', 'granted')], emails: email('c@example.com'), phones: [], country: null, addresses: [] }),
      // phone: invalid email address; no stage; score 50; one order 10 days ago of 20 EUR → new
      await contact(tenantId, { tags: ['p'], lifecycleStage: null, preferredChannels: ['email', 'phone'], consents: [consent('email', 'granted'), consent('phone', 'granted')], emails: email('not an email'), phones: phone, country: 'DE' }),
      // post: social first but no handle, then a complete postal address; customer; score 0; no order
      await contact(tenantId, { tags: ['p'], lifecycleStage: 'customer', preferredChannels: ['social', 'post'], consents: [consent('social', 'granted'), consent('post', 'granted')], socialHandles: [], country: 'GB' }),
      // social: a handle; customer; score 0; no order
      await contact(tenantId, { tags: ['p'], lifecycleStage: 'customer', preferredChannels: ['social'], consents: [consent('social', 'granted')], socialHandles: [{ network: 'linkedin', handle: 'f' }], country: 'GB' }),
    ];
    const [a, b, c, d, e, f] = people.map((x) => x.contactId);
    const m = (amount: string) => ({ amount, currency: 'EUR' });
    const orderOf = (contactId: string, placedAt: string, total: string) => ({
      orderId: randomUUID(), number: 'O', contactId, dealId: null, quoteId: null, ownerId: 'u', channel: 'web_shop' as const, externalRef: null, lines: [],
      totals: { pricesIncludeTax: false, subtotal: m(total), discountTotal: m('0.00'), taxTotal: m('0.00'), total: m(total), taxes: [] }, placedAt,
    });
    for (let i = 0; i < 6; i++) {
      const o = orderOf(a, ago(5 + i), '200.00');
      await publish(tenantId, OrderPlacedV1, o.orderId, o);
    }
    for (const [id, when, total] of [[b, 100, '50.00'], [d, 10, '20.00']] as const) {
      const o = orderOf(id, ago(when), total);
      await publish(tenantId, OrderPlacedV1, o.orderId, o);
    }
    for (const [id, score] of [[a, 80], [b, 30], [d, 50]] as const) await publish(tenantId, LeadScoreChangedV1, id, { contactId: id, score, previousScore: 0, reason: 'x', changedAt: ago(0) });
    await waitFacts(tenantId, a, 'order_count = 6 AND lead_score = 80');
    await waitFacts(tenantId, b, 'order_count = 1 AND lead_score = 30');
    await waitFacts(tenantId, d, 'order_count = 1 AND lead_score = 50');
    const seg = dataOf(await gql(CREATE, { i: { name: 'Portrait', kind: 'DYNAMIC', rule: cond('tags', 'CONTAINS', { value: 'p' }) } })).createSegment;
    const { portrait, size } = dataOf(await gql(PORTRAIT, { id: seg.id })).segment;
    expect(size).toBe(6);
    // Each list: largest group first, ties by key (null sorts as "null").
    expect(portrait).toEqual({
      size: 6,
      reachableChannel: [{ key: 'email', count: 1 }, { key: null, count: 1 }, { key: 'phone', count: 1 }, { key: 'post', count: 1 }, { key: 'sms', count: 1 }, { key: 'social', count: 1 }],
      lifecycleStage: [{ key: 'customer', count: 3 }, { key: 'lead', count: 2 }, { key: null, count: 1 }],
      country: [{ key: 'DE', count: 2 }, { key: 'GB', count: 2 }, { key: 'FR', count: 1 }, { key: null, count: 1 }],
      leadScoreBand: [{ key: '0-24', count: 3 }, { key: '25-49', count: 1 }, { key: '50-74', count: 1 }, { key: '75+', count: 1 }],
      rfmBand: [{ key: 'prospects', count: 3 }, { key: 'champions', count: 1 }, { key: 'lost', count: 1 }, { key: 'new', count: 1 }],
    });
    // The SQL portrait agrees with the routing function over the same replica rows.
    const replica = new ContactReplica();
    const fromFunction = new Map<string | null, number>();
    const contacts = await inTenantTx(h.svc.dataSource, tenantId, (tx) => replica.getMany(tx, tenantId, [a, b, c, d, e, f]));
    for (const x of contacts) {
      const ch = preferredReachableChannel(x!);
      fromFunction.set(ch, (fromFunction.get(ch) ?? 0) + 1);
    }
    expect(new Map(portrait.reachableChannel.map((x: { key: string | null; count: number }) => [x.key, x.count]))).toEqual(fromFunction);
    expect(fromFunction).toEqual(new Map<string | null, number>([['email', 1], ['sms', 1], [null, 1], ['phone', 1], ['post', 1], ['social', 1]]));
  });
});
