import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { DEAL_FIELDS, expectError, Q, SALES_EVENT, startSales, type Harness } from './harness';

const UNKNOWN = '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b99';

describe('deals (sales alone, real Postgres + Kafka)', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => {
    h = await startSales();
    rec = await h.recorder();
  });
  afterAll(async () => {
    await rec?.stop();
    await h?.stop();
  });

  it('a contact published on the contacts topic becomes usable; a deal is created in the default pipeline with its history and event', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep-1' });
    const c = await h.contact(tenantId);
    const deal = dataOf(
      await gql(Q.createDeal, {
        i: {
          contactId: c.contactId, title: 'Annual licence', amount: { amount: '12000.5', currency: 'EUR' }, expectedCloseDate: '2026-06-30',
          source: { leadSource: 'paid-search', source: 'google', medium: 'cpc', campaign: 'spring', term: 'open source crm', keyword: 'open source crm' },
        },
      }),
    ).createDeal;
    expect(deal).toMatchObject({
      title: 'Annual licence', ownerId: 'rep-1', amount: { amount: '12000.50', currency: 'EUR' }, status: 'OPEN', expectedCloseDate: '2026-06-30',
      contact: { id: c.contactId }, stage: { name: 'Qualification', position: 0, probability: 10 }, forecastCategory: 'PIPELINE', version: 1,
      source: { leadSource: 'paid-search', source: 'google', medium: 'cpc', campaign: 'spring', term: 'open source crm', content: null, keyword: 'open source crm' },
    });
    expect(deal.stageHistory).toEqual([{ fromStageId: null, toStageId: deal.stage.id, movedBy: 'rep-1', movedAt: expect.any(String) }]);
    const ev = await rec.waitFor((e) => e.event?.type === SALES_EVENT.dealCreated && e.event.subject === deal.id);
    expect(ev.key).toBe(deal.id);
    expect(ev.event).toMatchObject({ source: 'crm/sales', tenantid: tenantId, data: { dealId: deal.id, contactId: c.contactId, amount: { amount: '12000.50', currency: 'EUR' }, ownerId: 'rep-1' } });
  });

  it('rejects an unknown contact, wrong precision, negatives, bad currency, a stage of another pipeline — BAD_USER_INPUT naming the field, nothing written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const p1 = dataOf(await gql(Q.createPipeline, { i: { name: 'New business', stages: [{ name: 'Lead', probability: 10 }, { name: 'Won-ish', probability: 90 }] } })).createPipeline;
    const p2 = dataOf(await gql(Q.createPipeline, { i: { name: 'Renewals', stages: [{ name: 'Due', probability: 60 }] } })).createPipeline;
    const base = { contactId: c.contactId, title: 'X', amount: { amount: '10.00', currency: 'EUR' } };
    const before = await h.outboxCount(tenantId);
    expectError(await gql(Q.createDeal, { i: { ...base, contactId: UNKNOWN } }), 'BAD_USER_INPUT', new RegExp(`^input\\.contactId: contact ${UNKNOWN} does not exist`));
    expectError(await gql(Q.createDeal, { i: { ...base, contactId: 'nope' } }), 'BAD_USER_INPUT', /^input\.contactId: "nope" is not a contact id/);
    expectError(await gql(Q.createDeal, { i: { ...base, amount: { amount: '10.001', currency: 'EUR' } } }), 'BAD_USER_INPUT', /^input\.amount\.amount: 10\.001 has 3 decimal places but EUR has 2/);
    expectError(await gql(Q.createDeal, { i: { ...base, amount: { amount: '10.5', currency: 'JPY' } } }), 'BAD_USER_INPUT', /JPY has 0/);
    expectError(await gql(Q.createDeal, { i: { ...base, amount: { amount: '-1.00', currency: 'EUR' } } }), 'BAD_USER_INPUT', /^input\.amount\.amount: must not be negative/);
    expectError(await gql(Q.createDeal, { i: { ...base, amount: { amount: '1.00', currency: 'EURO' } } }), 'BAD_USER_INPUT', /^input\.amount\.currency:/);
    expectError(await gql(Q.createDeal, { i: { ...base, amount: { amount: 1.5, currency: 'EUR' } } }), 'BAD_USER_INPUT');
    expectError(await gql(Q.createDeal, { i: { ...base, pipelineId: p1.id, stageId: p2.stages[0].id } }), 'BAD_USER_INPUT', /^input\.stageId: stage .* belongs to pipeline/);
    expectError(await gql(Q.createDeal, { i: { ...base, title: '  ' } }), 'BAD_USER_INPUT', /^input\.title: must not be empty/);
    expectError(await gql(Q.createDeal, { i: { ...base, expectedCloseDate: '2026-02-30' } }), 'BAD_USER_INPUT', /^input\.expectedCloseDate: must be a calendar date/);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".deals WHERE tenant_id = $1`, [tenantId]);
    expect(n).toBe(0);
    expect(await h.outboxCount(tenantId)).toBe(before);

    const deal = dataOf(await gql(Q.createDeal, { i: { ...base, pipelineId: p1.id } })).createDeal;
    expectError(await gql(Q.moveDeal, { id: deal.id, s: p2.stages[0].id }), 'BAD_USER_INPUT', new RegExp(`^stageId: stage ${p2.stages[0].id} belongs to pipeline ${p2.id}; deal ${deal.id} is in pipeline ${p1.id}`));
    expectError(await gql(Q.moveDeal, { id: UNKNOWN, s: p1.stages[1].id }), 'NOT_FOUND', new RegExp(UNKNOWN));
    expect(dataOf(await gql(Q.deal, { id: deal.id })).deal.version).toBe(1);
  });

  it('moves with full stage history, wins and loses with events; closed deals refuse changes (CONFLICT)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep-2' });
    const c = await h.contact(tenantId);
    const p = dataOf(await gql(Q.createPipeline, { i: { name: 'P', stages: [{ name: 'A', probability: 10 }, { name: 'B', probability: 40 }, { name: 'C', probability: 80 }] } })).createPipeline;
    const [a, b, cc] = p.stages;
    const d = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Big', amount: { amount: '5000', currency: 'USD' }, pipelineId: p.id } })).createDeal;
    const moved = dataOf(await h.client({ tenantId, userId: 'rep-3' })(Q.moveDeal, { id: d.id, s: cc.id })).moveDeal;
    const back = dataOf(await gql(Q.moveDeal, { id: d.id, s: b.id })).moveDeal;
    expect(moved.stage.name).toBe('C');
    expect(back.stageHistory.map((x: any) => [x.fromStageId, x.toStageId, x.movedBy])).toEqual([
      [null, a.id, 'rep-2'],
      [a.id, cc.id, 'rep-3'],
      [cc.id, b.id, 'rep-2'],
    ]);
    expect(back.version).toBe(3);
    const ev = await rec.waitFor((e) => e.event?.type === SALES_EVENT.stageChanged && e.event.subject === d.id && e.event.data.toStageId === b.id);
    expect(ev.event.data).toMatchObject({ fromStageId: cc.id, toStageId: b.id, toStageName: 'B', probability: 40, movedBy: 'rep-2' });

    const won = dataOf(await gql(Q.winDeal, { id: d.id })).winDeal;
    expect(won).toMatchObject({ status: 'WON', closedAt: expect.any(String) });
    await rec.waitFor((e) => e.event?.type === SALES_EVENT.won && e.event.subject === d.id);
    expectError(await gql(Q.winDeal, { id: d.id }), 'CONFLICT', /already won/);
    expectError(await gql(Q.moveDeal, { id: d.id, s: a.id }), 'CONFLICT', /already won/);

    const d2 = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Small', amount: { amount: '10', currency: 'USD' }, pipelineId: p.id } })).createDeal;
    expectError(await gql(Q.loseDeal, { id: d2.id, r: ' ' }), 'BAD_USER_INPUT', /^reason: must not be empty/);
    const lost = dataOf(await gql(Q.loseDeal, { id: d2.id, r: 'price' })).loseDeal;
    expect(lost).toMatchObject({ status: 'LOST', lostReason: 'price' });
    const lostEv = await rec.waitFor((e) => e.event?.type === SALES_EVENT.lost && e.event.subject === d2.id);
    expect(lostEv.event.data).toMatchObject({ reason: 'price', amount: { amount: '10.00', currency: 'USD' } });
  });

  it('a contact merge moves the duplicate’s deals to the survivor; a deal for the merged id lands on the survivor', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const s = await h.contact(tenantId, { firstName: 'Sam' });
    const d = await h.contact(tenantId, { firstName: 'Samuel' });
    const deal = dataOf(await gql(Q.createDeal, { i: { contactId: d.contactId, title: 'Dup deal', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    await h.merge(tenantId, s, d.contactId);
    expect(dataOf(await gql(Q.deal, { id: deal.id })).deal.contact.id).toBe(s.contactId);
    const later = dataOf(await gql(Q.createDeal, { i: { contactId: d.contactId, title: 'Late', amount: { amount: '2', currency: 'EUR' } } })).createDeal;
    expect(later.contact.id).toBe(s.contactId);
    const ents = dataOf(await gql(Q.entities, { r: [{ __typename: 'Contact', id: s.contactId }, { __typename: 'Contact', id: d.contactId }] }))._entities;
    expect(ents[0].deals.map((x: any) => x.title).sort()).toEqual(['Dup deal', 'Late']);
    expect(ents[1].deals).toEqual([]);
  });

  it('an erased contact’s personal data leaves sales, and it can take no new deals', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId, { firstName: 'Erin', lastName: 'Erasable', displayName: 'Erin Erasable', emails: [{ email: 'erin@example.com', primary: true }] });
    const deal = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Deal for Erin Erasable', notes: 'erin@example.com likes blue', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    await h.erase(tenantId, c.contactId);
    const dump = JSON.stringify(await h.sql(`SELECT * FROM "${h.schema}".deals WHERE tenant_id = $1`, [tenantId])) + JSON.stringify(await h.sql(`SELECT * FROM "${h.schema}".contact_replica WHERE tenant_id = $1`, [tenantId]));
    expect(dump).not.toMatch(/Erin|erin@example\.com|Erasable/);
    expect(dataOf(await gql(Q.deal, { id: deal.id })).deal).toMatchObject({ title: 'Deal (erased contact)', amount: { amount: '1.00' } });
    expectError(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Again', amount: { amount: '1', currency: 'EUR' } } }), 'BAD_USER_INPUT', /was erased/);
  });

  it('keeps tenants apart and applies a redelivered contact event once', async () => {
    const a = uniqueTenant();
    const c = await h.contact(a);
    const deal = dataOf(await h.client({ tenantId: a })(Q.createDeal, { i: { contactId: c.contactId, title: 'A only', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    const other = h.client({ tenantId: uniqueTenant() });
    expect(dataOf(await other(Q.deal, { id: deal.id })).deal).toBeNull();
    expectError(await other(Q.createDeal, { i: { contactId: c.contactId, title: 'B', amount: { amount: '1', currency: 'EUR' } } }), 'BAD_USER_INPUT', /does not exist/);
    expectError(await other(Q.winDeal, { id: deal.id }), 'NOT_FOUND');
    // A redelivered merge (the same envelope twice) is applied once: the deal moves, nothing fails or dead-letters.
    const survivor = await h.contact(a, { firstName: 'Survivor' });
    const merge = await h.publishContactEvent(a, 'crm.contacts.contact.merged.v1', survivor.contactId, {
      survivorId: survivor.contactId, duplicateId: c.contactId, survivor: { ...survivor, version: 2 },
    });
    await h.publishEnvelope(merge);
    const marker = await h.contact(a, { firstName: 'Marker' });
    void marker;
    await h.waitReplica(a, c.contactId, `merged_into = '${survivor.contactId}'`);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".inbox WHERE event_id = $1`, [merge.id]);
    expect(n).toBe(1);
    expect(dataOf(await h.client({ tenantId: a })(Q.deal, { id: deal.id })).deal.contact.id).toBe(survivor.contactId);
    void DEAL_FIELDS;
  });
});
