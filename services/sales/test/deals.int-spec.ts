import { ServiceMetrics } from '@crm/platform';
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
    expect(ents[0].deals.edges.map((x: any) => x.node.title).sort()).toEqual(['Dup deal', 'Late']);
    expect(ents[1].deals.edges).toEqual([]);
  });

  it('an erased contact’s personal data leaves sales — including its published events in the outbox — and it can take no new deals', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId, { firstName: 'Erin', lastName: 'Erasable', displayName: 'Erin Erasable', emails: [{ email: 'erin@example.com', primary: true }] });
    const keep = await h.contact(tenantId, { firstName: 'Kept' });
    const deal = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Deal for Erin Erasable', notes: 'erin@example.com likes blue', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    const p = dataOf(await gql(Q.createPipeline, { i: { name: 'Two steps', stages: [{ name: 'One', probability: 10 }, { name: 'Two', probability: 50 }] } })).createPipeline;
    const deal2 = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Second deal for Erin', amount: { amount: '2', currency: 'EUR' }, pipelineId: p.id } })).createDeal;
    dataOf(await gql(Q.moveDeal, { id: deal2.id, s: p.stages[1].id }));
    // A lost reason is free text about the person too.
    dataOf(await gql(`mutation($id: ID!, $r: String!) { loseDeal(id: $id, reason: $r) { id } }`, { id: deal2.id, r: 'Erin Erasable chose a rival' }));
    const quote = dataOf(await gql(`mutation($i: CreateQuoteInput!) { createQuote(input: $i) { id } }`, {
      i: { contactId: c.contactId, dealId: deal.id, currency: 'EUR', lines: [{ description: 'Blue widget for Erin', quantity: '1', unitPrice: '1.00' }] },
    })).createQuote;
    dataOf(await gql(`mutation($id: ID!) { sendQuote(id: $id) { id } }`, { id: quote.id }));
    const order = dataOf(await gql(`mutation($id: ID!) { acceptQuote(id: $id) { id } }`, { id: quote.id })).acceptQuote;
    const placed = dataOf(await gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, {
      i: { contactId: c.contactId, channel: 'WEB_SHOP', currency: 'EUR', paid: true, lines: [{ description: 'Gift for Erin', quantity: '1', unitPrice: '3.00' }] },
    })).placeOrder;
    const task = dataOf(await gql(`mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`, { i: { title: 'Call Erin Erasable', contactId: c.contactId, dueAt: new Date(Date.now() + 3600_000).toISOString() } })).createTask;
    const kept = dataOf(await gql(Q.createDeal, { i: { contactId: keep.contactId, title: 'Unrelated', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    await h.waitPublished(tenantId);
    const aggregates = [deal.id, deal2.id, quote.id, order.id, placed.id, task.id];
    const aboutErin = <R extends { key: string; data: any }>(rows: R[]) => rows.filter((r) => r.data.contactId === c.contactId || aggregates.includes(r.key));
    const before = aboutErin(await h.outboxEvents(tenantId));
    // The events of every kind that named her were published (and so are in the outbox) before the erasure.
    expect(new Set(before.map((r) => r.key))).toEqual(new Set(aggregates));
    expect(new Set(before.map((r) => r.type))).toEqual(new Set([
      SALES_EVENT.dealCreated, SALES_EVENT.stageChanged, SALES_EVENT.lost, SALES_EVENT.quoteCreated, SALES_EVENT.quoteSent, SALES_EVENT.quoteAccepted, SALES_EVENT.orderPlaced,
      SALES_EVENT.orderPaid, SALES_EVENT.taskCreated,
    ]));
    expect(JSON.stringify(before)).toMatch(/Erin/);

    await h.erase(tenantId, c.contactId);
    const dump = JSON.stringify(await h.sql(`SELECT * FROM "${h.schema}".deals WHERE tenant_id = $1`, [tenantId])) + JSON.stringify(await h.sql(`SELECT * FROM "${h.schema}".contact_replica WHERE tenant_id = $1`, [tenantId]));
    expect(dump).not.toMatch(/Erin|erin@example\.com|Erasable/);
    const after = await h.outboxEvents(tenantId);
    expect(aboutErin(after)).toEqual([]);
    expect(JSON.stringify(after)).not.toMatch(/Erin|erin@example\.com|Erasable/);
    // Only hers: the other contact's deal.created is still there.
    expect(after.filter((r) => r.key === kept.id).map((r) => r.type)).toEqual([SALES_EVENT.dealCreated]);
    expect(dataOf(await gql(Q.deal, { id: deal.id })).deal).toMatchObject({ title: 'Deal (erased contact)', amount: { amount: '1.00' } });
    expectError(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Again', amount: { amount: '1', currency: 'EUR' } } }), 'BAD_USER_INPUT', /was erased/);
  });

  it('updateDeal refuses null for fields that cannot be empty and an empty change, naming the field; nothing is written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep' });
    const c = await h.contact(tenantId);
    const d = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Edit me', notes: 'n', expectedCloseDate: '2026-05-01', amount: { amount: '10.00', currency: 'EUR' } } })).createDeal;
    for (const field of ['amount', 'forecastCategory', 'title', 'ownerId']) {
      expectError(await gql(Q.updateDeal, { id: d.id, i: { [field]: null } }), 'BAD_USER_INPUT', new RegExp(`^input\\.${field}: must not be null`));
    }
    expectError(await gql(Q.updateDeal, { id: d.id, i: { amount: null, notes: 'x' } }), 'BAD_USER_INPUT', /^input\.amount: must not be null/);
    expectError(await gql(Q.updateDeal, { id: d.id, i: {} }), 'BAD_USER_INPUT', /^input: nothing to update/);
    expect(dataOf(await gql(Q.deal, { id: d.id })).deal).toMatchObject({ version: 1, amount: { amount: '10.00' }, forecastCategory: 'PIPELINE', title: 'Edit me' });
    expect(await h.outboxCount(tenantId, SALES_EVENT.dealUpdated)).toBe(0);

    // Nullable fields may be cleared; a real change bumps the version and emits deal.updated.
    const u = dataOf(await gql(Q.updateDeal, { id: d.id, i: { notes: null, expectedCloseDate: null, source: null, forecastCategory: 'COMMIT', amount: { amount: '12.50', currency: 'EUR' } } })).updateDeal;
    expect(u).toMatchObject({ version: 2, notes: null, expectedCloseDate: null, source: null, forecastCategory: 'COMMIT', amount: { amount: '12.50', currency: 'EUR' } });
    const [ev] = await h.outboxEvents(tenantId, SALES_EVENT.dealUpdated);
    expect(ev).toMatchObject({ key: d.id, data: { dealId: d.id, version: 2, forecastCategory: 'commit', expectedCloseDate: null, amount: { amount: '12.50', currency: 'EUR' } } });
    expect([...ev.data.changed].sort()).toEqual(['amount', 'expectedCloseDate', 'forecastCategory', 'notes', 'source']);
  });

  it('pages deals created within the same millisecond without skipping any (the cursor keeps microseconds)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const ids: string[] = [];
    for (const t of ['A', 'B', 'C', 'D']) ids.push(dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: t, amount: { amount: '1', currency: 'EUR' } } })).createDeal.id);
    // Same millisecond, different microseconds (what a busy tenant produces).
    const micros = ['000100', '000200', '000300', '000300'];
    for (const [i, id] of ids.entries()) await h.sql(`UPDATE "${h.schema}".deals SET created_at = $2 WHERE id = $1`, [id, `2026-01-01T00:00:00.${micros[i]}Z`]);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: any = dataOf(await gql(Q.deals, { n: 1, a: after })).deals;
      expect(r.totalCount).toBe(4);
      seen.push(...r.edges.map((x: any) => x.node.title));
      after = r.pageInfo.hasNextPage ? r.pageInfo.endCursor : null;
      if (!after) break;
    }
    // created_at DESC, id DESC: C and D share a timestamp and are ordered by id.
    const [c3, d3] = [ids[2], ids[3]].sort().reverse();
    const titleOf = (id: string) => ['A', 'B', 'C', 'D'][ids.indexOf(id)];
    expect(seen).toEqual([titleOf(c3), titleOf(d3), 'B', 'A']);
    expectError(await gql(Q.deals, { n: 1, a: Buffer.from(JSON.stringify({ o: 'deals', v: '2026-01-01T00:00:00.000Z', id: ids[0] })).toString('base64url') }), 'BAD_USER_INPUT', /^after: not a cursor/);
  });

  it('concurrent pipeline creation (explicit, and the default of first deals) yields one default and no internal errors; each emits pipeline.created', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'mgr' });
    const c = await h.contact(tenantId);
    const stages = [{ name: 'Open', probability: 20 }, { name: 'Closing', probability: 80 }];
    const results = await Promise.all([
      ...['P1', 'P2', 'P3', 'P4'].map((name) => gql(Q.createPipeline, { i: { name, stages } })),
      ...[1, 2, 3].map((n) => gql(Q.createDeal, { i: { contactId: c.contactId, title: `First ${n}`, amount: { amount: '1', currency: 'EUR' } } })),
    ]);
    expect(results.map((r) => r.errors ?? null)).toEqual(results.map(() => null));
    const pipes = await h.sql(`SELECT id, name, is_default FROM "${h.schema}".pipelines WHERE tenant_id = $1`, [tenantId]);
    expect(pipes.filter((p) => p.is_default)).toHaveLength(1);
    const events = await h.outboxEvents(tenantId, SALES_EVENT.pipelineCreated);
    expect(events.map((e) => e.key).sort()).toEqual(pipes.map((p) => p.id).sort());
    const p1 = results[0].data!.createPipeline;
    expect(events.find((e) => e.key === p1.id)!.data).toEqual({
      pipelineId: p1.id, name: 'P1', isDefault: p1.isDefault, createdBy: 'mgr',
      stages: p1.stages.map((s: any) => ({ stageId: s.id, name: s.name, position: s.position, probability: s.probability })),
    });

    const same = await Promise.all([1, 2, 3, 4].map(() => gql(Q.createPipeline, { i: { name: 'Same name', stages } })));
    expect(same.filter((r) => !r.errors)).toHaveLength(1);
    for (const r of same.filter((x) => x.errors)) expectError(r, 'CONFLICT', /^input\.name: a pipeline named "Same name"/);
  });

  it('keeps tenants apart and applies a redelivered contact event once', async () => {
    const a = uniqueTenant();
    const c = await h.contact(a);
    const deal = dataOf(await h.client({ tenantId: a })(Q.createDeal, { i: { contactId: c.contactId, title: 'A only', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    const other = h.client({ tenantId: uniqueTenant() });
    expect(dataOf(await other(Q.deal, { id: deal.id })).deal).toBeNull();
    expectError(await other(Q.createDeal, { i: { contactId: c.contactId, title: 'B', amount: { amount: '1', currency: 'EUR' } } }), 'BAD_USER_INPUT', /does not exist/);
    expectError(await other(Q.winDeal, { id: deal.id }), 'NOT_FOUND');
    // A redelivered merge (the same envelope twice) is applied once: the deal moves, nothing fails or
    // dead-letters, and the consumer counts the second copy as a duplicate (the inbox row count alone
    // could not tell: its primary key caps it at one whatever happens).
    const duplicates = async () =>
      (await h.svc.app.get(ServiceMetrics).eventsConsumed.get()).values
        .filter((v) => v.labels.result === 'duplicate' && String(v.labels.consumer).endsWith('contact-replica'))
        .reduce((n, v) => n + v.value, 0);
    const before = await duplicates();
    const survivor = await h.contact(a, { firstName: 'Survivor' });
    const merge = await h.publishContactEvent(a, 'crm.contacts.contact.merged.v1', survivor.contactId, {
      survivorId: survivor.contactId, duplicateId: c.contactId, survivor: { ...survivor, version: 2 },
    });
    await h.publishEnvelope(merge);
    // Same key as the merge, so handled after both copies.
    await h.publishContactEvent(a, 'crm.contacts.contact.updated.v1', survivor.contactId, { ...survivor, firstName: 'After', version: 3, changed: ['firstName'] });
    await h.waitReplica(a, survivor.contactId, `version = 3`);
    expect(await duplicates()).toBe(before + 1);
    expect(await h.sql(`SELECT merged_into FROM "${h.schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2`, [a, c.contactId])).toEqual([{ merged_into: survivor.contactId }]);
    expect(dataOf(await h.client({ tenantId: a })(Q.deal, { id: deal.id })).deal.contact.id).toBe(survivor.contactId);
    void DEAL_FIELDS;
  });
});
