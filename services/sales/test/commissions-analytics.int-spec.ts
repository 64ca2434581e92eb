import { TenantProfiles } from '@crm/documents';
import { dataOf, uniqueTenant } from '@crm/testing';
import { expectError, Q, SALES_EVENT, startSales, type Harness } from './harness';

const RULE = `mutation($i: CreateCommissionRuleInput!) { createCommissionRule(input: $i) { id kind rate currency tiers { from rate } fixedAmount { amount currency } } }`;
const STATEMENTS = `query($f: Date!, $t: Date!, $o: String) { commissions(from: $f, to: $t, ownerId: $o) { ownerId currency basis { amount } total { amount } entries { sourceKind basis { amount } commission { amount } period } } }`;
const FORECAST = `query($f: Date!, $t: Date!, $o: String, $p: ID) { forecast(from: $f, to: $t, ownerId: $o, pipelineId: $p) { ownerId currency openDeals wonDeals pipeline { amount } weighted { amount } commit { amount } bestCase { amount } closedWon { amount } } }`;
const FUNNEL = `query($p: ID!) { funnel(pipelineId: $p) { deals won lost open winRate stages { name reached advanced conversionRate finishedStays averageSecondsInStage } lostReasons { reason count } } }`;
const today = () => new Date().toISOString().slice(0, 10);

describe('commissions, forecast and funnel on fixtures with hand-computed answers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSales();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('computes commissions per rule (percentage, graduated tiers, fixed per unit of a product) and lists them per owner', async () => {
    const tenantId = uniqueTenant();
    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    const c = await h.contact(tenantId);
    // ann: graduated tiers on won deals (EUR): 5% up to 10000, 8% above. bob: flat 10% on any won deal.
    dataOf(await admin(RULE, { i: { name: 'ann tiers', ownerId: 'ann', appliesTo: 'DEALS', kind: 'PERCENTAGE', currency: 'EUR', tiers: [{ from: '0', rate: '5' }, { from: '10000', rate: '8' }] } }));
    dataOf(await admin(RULE, { i: { name: 'everyone', appliesTo: 'DEALS', kind: 'PERCENTAGE', rate: '10' } }));
    const widget = dataOf(await admin(`mutation { createProduct(input: { sku: "W", name: "Widget", taxRate: "19" }) { id } }`)).createProduct;
    dataOf(await admin(RULE, { i: { name: 'widgets', productId: widget.id, appliesTo: 'ORDERS', kind: 'FIXED', fixedAmount: { amount: '2.50', currency: 'EUR' } } }));
    dataOf(await admin(RULE, { i: { name: 'orders', appliesTo: 'ORDERS', kind: 'PERCENTAGE', rate: '3' } }));
    expectError(await admin(RULE, { i: { name: 'bad', appliesTo: 'DEALS', kind: 'PERCENTAGE', currency: 'EUR', tiers: [{ from: '5', rate: '5' }] } }), 'BAD_USER_INPUT', /^input\.tiers\.0\.from: the first tier must start at 0/);
    expectError(await admin(RULE, { i: { name: 'bad', appliesTo: 'DEALS', kind: 'FIXED' } }), 'BAD_USER_INPUT', /^input\.fixedAmount: required/);

    const win = async (owner: string, amount: string, currency = 'EUR') => {
      const d = dataOf(await admin(Q.createDeal, { i: { contactId: c.contactId, title: `${owner} ${amount}`, ownerId: owner, amount: { amount, currency } } })).createDeal;
      return dataOf(await admin(Q.winDeal, { id: d.id })).winDeal;
    };
    await win('ann', '8000.00'); // 8000 × 5% = 400.00
    await win('ann', '5000.00'); // 2000 × 5% + 3000 × 8% = 100 + 240 = 340.00
    await win('bob', '1234.56'); // 10% = 123.456 → 123.46
    await win('bob', '500', 'USD'); // 10% = 50.00 USD
    // An order paid by bob: 4 widgets at 10.00 (fixed 2.50 per unit = 10.00) + a service line of 200.00 (3% of net 200.00 = 6.00)
    const order = dataOf(
      await h.client({ tenantId, userId: 'bob' })(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, {
        i: { contactId: c.contactId, channel: 'PHONE', currency: 'EUR', lines: [{ productId: widget.id, quantity: '4', unitPrice: '10.00' }, { description: 'Service', quantity: '1', unitPrice: '200.00', taxRate: '19' }] },
      }),
    ).placeOrder;
    dataOf(await admin(`mutation($id: ID!) { markOrderPaid(id: $id) { status } }`, { id: order.id }));

    const all = dataOf(await admin(STATEMENTS, { f: today(), t: today() })).commissions;
    const summary = all.map((s: any) => [s.ownerId, s.currency, s.basis.amount, s.total.amount, s.entries.map((e: any) => e.commission.amount).sort((a: string, b: string) => Number(b) - Number(a))]);
    expect(summary).toEqual([
      ['ann', 'EUR', '13000.00', '740.00', ['400.00', '340.00']],
      ['bob', 'EUR', '1474.56', '139.46', ['123.46', '10.00', '6.00']],
      ['bob', 'USD', '500.00', '50.00', ['50.00']],
    ]);
    // A rep sees only their own statement.
    const rep = h.client({ tenantId, userId: 'ann', roles: ['rep'] });
    expect(dataOf(await rep(STATEMENTS, { f: today(), t: today() })).commissions.map((s: any) => s.ownerId)).toEqual(['ann']);
    expectError(await rep(STATEMENTS, { f: today(), t: today(), o: 'bob' }), 'FORBIDDEN', /^ownerId: you may only see your own/);
    expectError(await rep(RULE, { i: { name: 'x', appliesTo: 'DEALS', kind: 'PERCENTAGE', rate: '50' } }), 'FORBIDDEN');
  });

  it('a FIXED rule without a product pays once per order (line_id NULL), not once per line; rules are announced with commission-rule.created', async () => {
    const tenantId = uniqueTenant();
    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    const c = await h.contact(tenantId);
    const rule = dataOf(await admin(RULE, { i: { name: 'bonus per order', appliesTo: 'ORDERS', kind: 'FIXED', fixedAmount: { amount: '5.00', currency: 'EUR' } } })).createCommissionRule;
    const order = dataOf(
      await h.client({ tenantId, userId: 'cat' })(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }`, {
        i: {
          contactId: c.contactId, channel: 'POINT_OF_SALE', currency: 'EUR', paid: true,
          lines: [{ description: 'A', quantity: '1', unitPrice: '10.00' }, { description: 'B', quantity: '2', unitPrice: '20.00' }, { description: 'C', quantity: '3', unitPrice: '1.00' }],
        },
      }),
    ).placeOrder;
    const ENTRIES = `query($f: Date!, $t: Date!) { commissions(from: $f, to: $t) { ownerId total { amount } entries { sourceKind sourceId lineId basis { amount } commission { amount } } } }`;
    const st = dataOf(await admin(ENTRIES, { f: today(), t: today() })).commissions;
    // One entry for the order: 5.00 on the whole net (10 + 40 + 3 = 53.00), not 3 × 5.00.
    expect(st).toEqual([{ ownerId: 'cat', total: { amount: '5.00' }, entries: [{ sourceKind: 'order', sourceId: order.id, lineId: null, basis: { amount: '53.00' }, commission: { amount: '5.00' } }] }]);
    const [ev] = await h.outboxEvents(tenantId, SALES_EVENT.commissionRuleCreated);
    expect(ev).toMatchObject({ key: rule.id });
    expect(ev.data).toEqual({
      ruleId: rule.id, name: 'bonus per order', ownerId: null, productId: null, appliesTo: 'orders', kind: 'fixed', rate: null,
      fixedAmount: { amount: '5.00', currency: 'EUR' }, currency: 'EUR', tiers: [], createdBy: 'boss',
    });
  });

  it('forecast: weighted pipeline, commit, best case per owner; funnel: conversion, time in stage, win rate, lost reasons', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'mgr', roles: ['manager'] });
    const c = await h.contact(tenantId);
    const p = dataOf(await gql(Q.createPipeline, { i: { name: 'Funnel', stages: [{ name: 'Qualify', probability: 10 }, { name: 'Proposal', probability: 50 }, { name: 'Negotiate', probability: 75 }] } })).createPipeline;
    const [q, pr, n] = p.stages;
    const deal = async (owner: string, amount: string, category = 'PIPELINE', close = '2026-03-15') =>
      dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: amount, ownerId: owner, pipelineId: p.id, amount: { amount, currency: 'EUR' }, expectedCloseDate: close, forecastCategory: category } })).createDeal;
    const A = await deal('ann', '1000.00');
    const B = await deal('ann', '2000.00', 'BEST_CASE');
    const C = await deal('ann', '333.33', 'COMMIT');
    const D = await deal('ann', '500.00');
    const E = await deal('ann', '9999.00');
    const F = await deal('bob', '0.01');
    await deal('ann', '7777.00', 'OMITTED');
    await deal('ann', '4242.00', 'PIPELINE', '2026-04-01'); // outside the period
    await gql(Q.moveDeal, { id: B.id, s: pr.id }); // B at 50%
    await gql(Q.moveDeal, { id: C.id, s: n.id }); // C at 75%
    await gql(Q.moveDeal, { id: D.id, s: pr.id });
    await gql(Q.moveDeal, { id: D.id, s: n.id });
    await gql(Q.winDeal, { id: D.id });
    await gql(Q.moveDeal, { id: E.id, s: pr.id });
    await gql(Q.loseDeal, { id: E.id, r: 'price' });
    await gql(Q.moveDeal, { id: F.id, s: pr.id }); // F at 50%
    // Won in the period: its close date is the win date — pin it (and every history time) to known instants.
    const t = (hours: number) => new Date(Date.UTC(2026, 2, 1) + hours * 3600_000).toISOString();
    const setHistory = async (id: string, times: string[], closed?: string) => {
      const rows = await h.sql(`SELECT id FROM "${h.schema}".deal_stage_history WHERE deal_id = $1 ORDER BY moved_at, id`, [id]);
      for (const [i, r] of rows.entries()) await h.sql(`UPDATE "${h.schema}".deal_stage_history SET moved_at = $2 WHERE id = $1`, [r.id, times[i]]);
      if (closed) await h.sql(`UPDATE "${h.schema}".deals SET closed_at = $2 WHERE id = $1`, [id, closed]);
    };
    await setHistory(A.id, [t(0)]);
    await setHistory(B.id, [t(0), t(10)]);
    await setHistory(C.id, [t(0), t(4)]);
    await setHistory(D.id, [t(0), t(10), t(30)], t(40));
    await setHistory(E.id, [t(0), t(20)], t(26));
    await setHistory(F.id, [t(0), t(2)]);

    const f = dataOf(await gql(FORECAST, { f: '2026-03-01', t: '2026-03-31', p: p.id })).forecast;
    // ann open: A 1000 @10%, B 2000 @50% best case, C 333.33 @75% commit; won D 500; E lost, omitted and April deals out.
    // pipeline 3333.33; weighted 500 + 100 + 1000 + 249.9975 = 1849.9975 → 1850.00; commit 500 + 333.33 = 833.33; best case 2833.33
    expect(f).toEqual([
      { ownerId: 'ann', currency: 'EUR', openDeals: 3, wonDeals: 1, pipeline: { amount: '3333.33' }, weighted: { amount: '1850.00' }, commit: { amount: '833.33' }, bestCase: { amount: '2833.33' }, closedWon: { amount: '500.00' } },
      { ownerId: 'bob', currency: 'EUR', openDeals: 1, wonDeals: 0, pipeline: { amount: '0.01' }, weighted: { amount: '0.01' }, commit: { amount: '0.00' }, bestCase: { amount: '0.00' }, closedWon: { amount: '0.00' } },
    ]);

    const fun = dataOf(await gql(FUNNEL, { p: p.id })).funnel;
    // 8 deals: D won, E lost (price), 6 open. Reached: Qualify 8; Proposal B, C(skipped), D, E, F = 5; Negotiate C, D = 2; won from Negotiate 1.
    // Finished stays — Qualify: B 10h, C 4h, D 10h, E 20h, F 2h = 46h / 5 = 9.2h = 33120 s; Proposal: D 20h, E 6h = 13h = 46800 s; Negotiate: D 10h = 36000 s
    expect(fun).toEqual({
      deals: 8, won: 1, lost: 1, open: 6, winRate: 0.5,
      stages: [
        { name: 'Qualify', reached: 8, advanced: 5, conversionRate: 0.625, finishedStays: 5, averageSecondsInStage: 33120 },
        { name: 'Proposal', reached: 5, advanced: 2, conversionRate: 0.4, finishedStays: 2, averageSecondsInStage: 46800 },
        { name: 'Negotiate', reached: 2, advanced: 1, conversionRate: 0.5, finishedStays: 1, averageSecondsInStage: 36000 },
      ],
      lostReasons: [{ reason: 'price', count: 1 }],
    });
    void q;
  });

  it('reports and recurring tasks count days on the caller’s or assignee’s wall clock, as the TenantProfiles port gives it (UTC without one)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'mgr', roles: ['manager'] });
    const c = await h.contact(tenantId);
    const p = dataOf(await gql(Q.createPipeline, { i: { name: 'Zones', stages: [{ name: 'Qualify', probability: 10 }] } })).createPipeline;
    const W = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'late win', ownerId: 'ann', pipelineId: p.id, amount: { amount: '100.00', currency: 'EUR' }, expectedCloseDate: '2026-03-31' } })).createDeal;
    await gql(Q.winDeal, { id: W.id });
    // Created and won at 23:30 UTC on 31 March: already 1 April in Berlin.
    await h.sql(`UPDATE "${h.schema}".deals SET created_at = $2, closed_at = $2 WHERE id = $1`, [W.id, '2026-03-31T23:30:00Z']);
    const won = async (from: string, to: string) => (dataOf(await gql(FORECAST, { f: from, t: to, p: p.id })).forecast as any[]).reduce((n, l) => n + l.wonDeals, 0);
    const created = async (from: string, to: string) => dataOf(await gql(`query($p: ID!, $f: Date, $t: Date) { funnel(pipelineId: $p, from: $f, to: $t) { deals } }`, { p: p.id, f: from, t: to })).funnel.deals;
    expect([await won('2026-03-01', '2026-03-31'), await won('2026-04-01', '2026-04-30')]).toEqual([1, 0]);
    expect([await created('2026-03-01', '2026-03-31'), await created('2026-04-01', '2026-04-30')]).toEqual([1, 0]);

    const task = `mutation($i: CreateTaskInput!) { createTask(input: $i) { id dueAt } }`;
    const complete = `mutation($id: ID!) { completeTask(id: $id) { id } }`;
    const next = async (id: string) => (await h.sql(`SELECT due_at FROM "${h.schema}".tasks WHERE previous_id = $1`, [id]))[0].due_at.toISOString();
    const daily = dataOf(await gql(task, { i: { title: 'Stand-up', contactId: c.contactId, assigneeId: 'ann', dueAt: '2026-03-28T08:00:00Z', recurrence: 'DAILY' } })).createTask;
    dataOf(await gql(complete, { id: daily.id }));
    expect(await next(daily.id)).toBe('2026-03-29T08:00:00.000Z'); // UTC: 24 hours later

    const zones = jest.spyOn(h.svc.app.get(TenantProfiles, { strict: false }), 'timeZone').mockResolvedValue('Europe/Berlin');
    try {
      expect([await won('2026-03-01', '2026-03-31'), await won('2026-04-01', '2026-04-30')]).toEqual([0, 1]);
      expect([await created('2026-03-01', '2026-03-31'), await created('2026-04-01', '2026-04-30')]).toEqual([0, 1]);
      expect(zones).toHaveBeenCalledWith(expect.anything(), 'mgr'); // the caller's zone for reports
      zones.mockClear();
      // 09:00 in Berlin stays 09:00 after the change to summer time on 29 March (07:00 UTC).
      const berlin = dataOf(await gql(task, { i: { title: 'Stand-up', contactId: c.contactId, assigneeId: 'ann', dueAt: '2026-03-28T08:00:00Z', recurrence: 'DAILY' } })).createTask;
      dataOf(await gql(complete, { id: berlin.id }));
      expect(await next(berlin.id)).toBe('2026-03-29T07:00:00.000Z');
      expect(zones).toHaveBeenCalledWith(expect.anything(), 'ann'); // the assignee's zone for their task
    } finally {
      zones.mockRestore();
    }
  });
});
