import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import {
  DealCreatedV1, DealReopenedV1, DealWonV1, envelope, exampleCapture, FormSubmittedV1, LeadQualifiedV1, MessageSentV1, OrderCancelledV1, OrderPlacedV1,
} from '@crm/events';
import { inTenantTx } from '@crm/platform';
import { dataOf, eventually, kafkaBrokers, uniqueTenant } from '@crm/testing';
import { ATTRIBUTION_TABLES } from '../migrations/1796160000005-MarketingAttribution';
import { AttributionRepository } from '../src/attribution/attribution.repository';
import { expectError, startMarketing, type Harness } from './harness';

/**
 * Attribution end to end: sales and marketing events published on the (prefixed) topics with a real
 * producer, as the sales module and the other marketing contexts would; ad spend through GraphQL.
 * Every expected figure below is worked out by hand in the comments next to it.
 */

const ROI = `query($from: Date!, $to: Date!, $m: AttributionModel, $w: Int, $c: String) {
  keywordRoi(from: $from, to: $to, model: $m, windowDays: $w, currency: $c) {
    source medium campaign keyword currency leads customers revenue { amount currency } cost { amount } costPerAcquisition { amount } roi paybackDate revenueAvailable revenueNote
  } }`;
const CAMPAIGN_ROI = `query($from: Date!, $to: Date!, $m: AttributionModel) { campaignRoi(from: $from, to: $to, model: $m) { campaignId campaign leads customers revenue { amount } cost { amount } } }`;
const FUNNEL = `query($from: Date!, $to: Date!, $g: FunnelGroupBy) { leadFunnel(from: $from, to: $to, groupBy: $g) {
  source campaign leads mqls deals won leadToMqlRate mqlToDealRate dealToWonRate leadToWonRate revenueAvailable revenueNote } }`;
const RECORD = `mutation($i: [AdSpendInput!]!) { recordAdSpend(input: $i) }`;
const IMPORT = `mutation($csv: String!, $dry: Boolean) { importAdSpendCsv(csv: $csv, dryRun: $dry) { dryRun rows created skipped failed errors { row message } } }`;

const eur = (amount: string) => ({ amount, currency: 'EUR' });
const noon = (day: string) => `${day}T12:00:00.000Z`;
const MARCH = { from: '2026-03-01', to: '2026-03-31' };
const G1 = { source: 'google', medium: 'cpc', campaign: 'spring', keyword: 'crm software' };
const G2 = { source: 'google', medium: 'cpc', campaign: 'spring', keyword: 'open source crm' };
const B1 = { source: 'bing', medium: 'cpc', campaign: 'spring', keyword: 'crm software' };
const NEWSLETTER = { source: 'marketing', medium: 'email', campaign: 'Spring newsletter', keyword: null };
const NONE = { source: null, medium: null, campaign: null, keyword: null };

type Row = Record<string, unknown> & { source: string | null; keyword: string | null; campaign: string | null };

describe('attribution: ad spend, keyword and campaign ROI, funnel, campaign conversions', () => {
  let h: Harness;
  let producer: Producer;
  let prefix: string;

  beforeAll(async () => {
    h = await startMarketing();
    prefix = h.svc.info.topicPrefix ?? '';
    producer = new Kafka({ clientId: 'attribution-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await h?.stop();
  });

  async function publish(module: 'sales' | 'marketing', tenantId: string, type: string, subject: string, data: unknown, time?: string) {
    const ev = envelope({ type, subject, data, tenantId, source: `crm/${module}`, time: time ? new Date(time) : undefined });
    await producer.send({ topic: `${prefix}crm.${module}.events`, acks: -1, messages: [{ key: subject, value: JSON.stringify(ev) }] });
  }
  const count = async (tenantId: string, table: string, where = 'true') =>
    Number((await h.sql<{ n: string }>(`SELECT count(*) AS n FROM "${h.schema}".${table} WHERE tenant_id = $1 AND ${where}`, [tenantId]))[0].n);
  const until = (tenantId: string, table: string, n: number, where = 'true') => eventually(async () => (await count(tenantId, table, where)) === n, 30000, `${n} rows in ${table}`);

  const attribution = (d: { source: string; medium: string; campaign: string; keyword: string } | null) =>
    d ? { leadSource: 'paid-search', ...d, term: null, content: null } : { leadSource: null, source: null, medium: null, campaign: null, term: null, content: null, keyword: null };

  async function form(tenantId: string, contactId: string, day: string, dims: typeof G1 | null) {
    const submissionId = randomUUID();
    await publish('marketing', tenantId, FormSubmittedV1.type, submissionId, {
      submissionId, formId: randomUUID(), formName: 'Demo request',
      capture: { ...exampleCapture, contactId, attribution: attribution(dims), capturedAt: noon(day) },
    });
  }
  const dealWon = (tenantId: string, dealId: string, contactId: string, day: string, amount: string, source: typeof G1 | null) =>
    publish('sales', tenantId, DealWonV1.type, dealId, {
      dealId, title: 'Licence', contactId, ownerId: 'user-1', pipelineId: randomUUID(), stageId: randomUUID(), amount: eur(amount), source: source && attribution(source), wonAt: noon(day), wonBy: 'user-1',
    });
  const orderPlaced = (tenantId: string, orderId: string, contactId: string, day: string, total: string, tax: string) =>
    publish('sales', tenantId, OrderPlacedV1.type, orderId, {
      orderId, number: 'O-1', contactId, dealId: null, quoteId: null, ownerId: 'user-1', channel: 'web_shop', externalRef: null, lines: [],
      totals: { pricesIncludeTax: false, subtotal: eur(total), discountTotal: eur('0.00'), taxTotal: eur(tax), total: eur(total), taxes: [] },
      placedAt: noon(day),
    });

  /**
   * The fixture (all times at noon UTC, March 2026, EUR):
   *   A: form G1 03-02, newsletter sent 03-05, deal created 03-06 with source G1, deal won 03-10 for 1000.00
   *   B: form G2 03-03, form B1 03-08, deal won 03-12 for 600.00 (no source on the deal)
   *   C: form G2 03-04, web-shop order 03-20: total 357.00 of which tax 57.00 → revenue 300.00
   *   D: form B1 03-05, qualified 03-07; nothing bought
   *   F: form G2 03-06; nothing else
   *   A qualified 03-07, B qualified 03-09.
   * Spend: G1 200.00 on 03-01 and 500.00 on 03-11; G2 300.00 on 03-01 and 100.00 on 03-15; B1 50.00 on 03-02.
   */
  async function fixture(tenantId: string) {
    const gql = h.client({ tenantId });
    expect(dataOf(await gql(RECORD, { i: [
      { day: '2026-03-01', ...G1, cost: eur('200.00'), clicks: 40 },
      { day: '2026-03-11', ...G1, cost: eur('500.00') },
      { day: '2026-03-01', ...G2, cost: eur('300.00'), impressions: 1000 },
      { day: '2026-03-15', ...G2, cost: eur('100') },
      { day: '2026-03-02', ...B1, cost: eur('50.00') },
    ] })).recordAdSpend).toBe(5);
    // Each created in contacts by its first form submission, a moment after it.
    const created = async (day: string) => (await h.contact(tenantId, { createdAt: `${day}T12:00:01.000Z` })).contactId;
    const [A, B, C, D, F] = [await created('2026-03-02'), await created('2026-03-03'), await created('2026-03-04'), await created('2026-03-05'), await created('2026-03-06')];
    const campaignId = randomUUID();
    const dealA = randomUUID();
    const dealB = randomUUID();
    const orderC = randomUUID();
    await form(tenantId, A, '2026-03-02', G1);
    await form(tenantId, B, '2026-03-03', G2);
    await form(tenantId, B, '2026-03-08', B1);
    await form(tenantId, C, '2026-03-04', G2);
    await form(tenantId, D, '2026-03-05', B1);
    await form(tenantId, F, '2026-03-06', G2);
    const messageId = randomUUID();
    await publish('marketing', tenantId, MessageSentV1.type, messageId, { messageId, campaignId, campaignName: 'Spring newsletter', contactId: A, channel: 'email', variant: null, sentAt: noon('2026-03-05') });
    await publish('marketing', tenantId, LeadQualifiedV1.type, A, { contactId: A, score: 55, threshold: 50, qualifiedAt: noon('2026-03-07') });
    await publish('marketing', tenantId, LeadQualifiedV1.type, B, { contactId: B, score: 60, threshold: 50, qualifiedAt: noon('2026-03-09') });
    await publish('marketing', tenantId, LeadQualifiedV1.type, D, { contactId: D, score: 51, threshold: 50, qualifiedAt: noon('2026-03-07') });
    await publish('sales', tenantId, DealCreatedV1.type, dealA, {
      dealId: dealA, title: 'Licence', contactId: A, companyId: null, ownerId: 'user-1', pipelineId: randomUUID(), stageId: randomUUID(), amount: eur('1000.00'),
      expectedCloseDate: null, source: attribution(G1), createdBy: 'user-1',
    }, noon('2026-03-06'));
    await dealWon(tenantId, dealA, A, '2026-03-10', '1000.00', G1);
    await dealWon(tenantId, dealB, B, '2026-03-12', '600.00', null);
    await orderPlaced(tenantId, orderC, C, '2026-03-20', '357.00', '57.00');
    // 6 forms + 1 message + 1 deal source = 8 touches; 3 conversions; 3 MQLs.
    await until(tenantId, 'touches', 8);
    await until(tenantId, 'sales_conversions', 3);
    await until(tenantId, 'leads', 3, 'mql_at IS NOT NULL');
    return { A, B, C, D, F, campaignId, dealA, dealB, orderC };
  }

  const byKey = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.source === null ? 'none' : `${r.source}|${r.keyword ?? r.campaign}`, r]));

  it('keyword ROI under first-touch, last-touch and linear, with the payback date, all worked out by hand', async () => {
    const tenantId = uniqueTenant();
    await fixture(tenantId);
    const gql = h.client({ tenantId });
    const roi = async (m: string, extra: Record<string, unknown> = {}) => byKey(dataOf(await gql(ROI, { ...MARCH, m, ...extra })).keywordRoi);
    const common = { currency: 'EUR', revenueAvailable: true, revenueNote: null };

    // Leads: each lead's only touch at its lead time is its first form → G1: A; G2: B, C, F; B1: D (same under every model).
    // FIRST_TOUCH: A → G1 (1000.00), B → G2 (600.00), C → G2 (300.00).
    //   G1: revenue 1000, cost 200+500 = 700, ROI 300/700 = 0.4286, CPA 700/1; cost 200 on 03-01, revenue 1000 on 03-10 ≥ 200 → payback 03-10.
    //   G2: revenue 900, cost 400, ROI 500/400 = 1.25, CPA 400/2 = 200; cost 300 on 03-01, revenue 600 on 03-12 ≥ 300 → 03-12.
    //   B1: revenue 0, cost 50, ROI −1, no customer, never paid back.
    expect(await roi('FIRST_TOUCH')).toEqual({
      'google|crm software': { ...G1, ...common, leads: 1, customers: 1, revenue: eur('1000.00'), cost: { amount: '700.00' }, costPerAcquisition: { amount: '700.00' }, roi: 0.4286, paybackDate: '2026-03-10' },
      'google|open source crm': { ...G2, ...common, leads: 3, customers: 2, revenue: eur('900.00'), cost: { amount: '400.00' }, costPerAcquisition: { amount: '200.00' }, roi: 1.25, paybackDate: '2026-03-12' },
      'bing|crm software': { ...B1, ...common, leads: 1, customers: 0, revenue: eur('0.00'), cost: { amount: '50.00' }, costPerAcquisition: null, roi: -1, paybackDate: null },
    });

    // LAST_TOUCH: A → G1 (the deal's own source, 03-06, is A's latest touch), B → B1 (form 03-08), C → G2.
    //   G1 as above. G2: revenue 300, cost 400, ROI −100/400 = −0.25, CPA 400; cost 300 (03-01) + 100 (03-15) = 400 > 300 by 03-20 → no payback.
    //   B1: revenue 600, cost 50, ROI 550/50 = 11, CPA 50; cost 50 on 03-02, revenue 600 on 03-12 → 03-12.
    expect(await roi('LAST_TOUCH')).toEqual({
      'google|crm software': { ...G1, ...common, leads: 1, customers: 1, revenue: eur('1000.00'), cost: { amount: '700.00' }, costPerAcquisition: { amount: '700.00' }, roi: 0.4286, paybackDate: '2026-03-10' },
      'google|open source crm': { ...G2, ...common, leads: 3, customers: 1, revenue: eur('300.00'), cost: { amount: '400.00' }, costPerAcquisition: { amount: '400.00' }, roi: -0.25, paybackDate: null },
      'bing|crm software': { ...B1, ...common, leads: 1, customers: 1, revenue: eur('600.00'), cost: { amount: '50.00' }, costPerAcquisition: { amount: '50.00' }, roi: 11, paybackDate: '2026-03-12' },
    });
    // The default model is last-touch.
    expect(await roi(undefined as unknown as string)).toEqual(await roi('LAST_TOUCH'));

    // LINEAR: A's 1000.00 over G1 (03-02), newsletter (03-05), G1 (03-06) = 333.34 + 333.33 + 333.33 → G1 666.67, newsletter 333.33;
    //   A as customer: 2/3 G1, 1/3 newsletter. B's 600.00 over G2, B1 = 300.00 each, ½ customer each. C's 300.00 → G2, 1 customer.
    //   G1: revenue 666.67, cost 700, ROI −33.33/700 = −0.0476, CPA 700 / (2/3) = 1050.00; 666.67 on 03-10 ≥ 200 → 03-10.
    //   G2: revenue 600.00, customers 1.5, cost 400, ROI 0.5, CPA 400 / 1.5 = 266.67; 300 on 03-12 ≥ 300 → 03-12.
    //   B1: revenue 300.00, customers 0.5, cost 50, ROI 5, CPA 100.00; 300 on 03-12 ≥ 50 → 03-12.
    //   Newsletter: revenue 333.33, 0.3333 customer, no spend: no cost-based figure.
    expect(await roi('LINEAR')).toEqual({
      'google|crm software': { ...G1, ...common, leads: 1, customers: 0.6667, revenue: eur('666.67'), cost: { amount: '700.00' }, costPerAcquisition: { amount: '1050.00' }, roi: -0.0476, paybackDate: '2026-03-10' },
      'google|open source crm': { ...G2, ...common, leads: 3, customers: 1.5, revenue: eur('600.00'), cost: { amount: '400.00' }, costPerAcquisition: { amount: '266.67' }, roi: 0.5, paybackDate: '2026-03-12' },
      'bing|crm software': { ...B1, ...common, leads: 1, customers: 0.5, revenue: eur('300.00'), cost: { amount: '50.00' }, costPerAcquisition: { amount: '100.00' }, roi: 5, paybackDate: '2026-03-12' },
      'marketing|Spring newsletter': { ...NEWSLETTER, ...common, leads: 0, customers: 0.3333, revenue: eur('333.33'), cost: { amount: '0.00' }, costPerAcquisition: null, roi: null, paybackDate: null },
    });

    // A 5-day window, first-touch: A (03-10) sees touches from 03-05 noon: the newsletter is first → 1000.00;
    // B (03-12) from 03-07: B1 → 600.00; C (03-20) from 03-15: none → 300.00 unattributed.
    const windowedRows: Row[] = dataOf(await gql(ROI, { ...MARCH, m: 'FIRST_TOUCH', w: 5 })).keywordRoi;
    // Most revenue first; what no touch explains last, whatever its revenue.
    expect(windowedRows.map((r) => r.keyword ?? r.campaign)).toEqual(['Spring newsletter', 'crm software', 'crm software', 'open source crm', null]);
    const windowed = byKey(windowedRows);
    expect(windowed['marketing|Spring newsletter']).toMatchObject({ revenue: eur('1000.00'), customers: 1 });
    expect(windowed['bing|crm software']).toMatchObject({ revenue: eur('600.00'), customers: 1 });
    expect(windowed['google|open source crm']).toMatchObject({ revenue: eur('0.00'), customers: 0 });
    expect(windowed.none).toEqual({ ...NONE, ...common, leads: 0, customers: 1, revenue: eur('300.00'), cost: { amount: '0.00' }, costPerAcquisition: null, roi: null, paybackDate: null });

    // Campaign ROI, linear: the marketing campaign by its id, the UTM campaign "spring" by name with all spend (700 + 400 + 50 = 1150).
    //   spring: revenue 666.67 + 600.00 + 300.00 = 1566.67; leads 5; customers 2/3 + 1.5 + 0.5 = 2.6667.
    const campaigns = dataOf(await gql(CAMPAIGN_ROI, { ...MARCH, m: 'LINEAR' })).campaignRoi;
    expect(campaigns).toEqual([
      { campaignId: null, campaign: 'spring', leads: 5, customers: 2.6667, revenue: { amount: '1566.67' }, cost: { amount: '1150.00' } },
      { campaignId: expect.any(String), campaign: 'Spring newsletter', leads: 0, customers: 0.3333, revenue: { amount: '333.33' }, cost: { amount: '0.00' } },
    ]);
  });

  it('the funnel lead → MQL → deal → won by first-touch source and campaign', async () => {
    const tenantId = uniqueTenant();
    await fixture(tenantId);
    const gql = h.client({ tenantId });
    // google leads: A, B, C, F (first touches G1, G2, G2, G2). MQL or further: A (qualified), B (qualified), C (bought) = 3.
    // Deal or further: A (deal), B (won), C (order) = 3. Won: 3.  bing: D, qualified, nothing else.
    expect(dataOf(await gql(FUNNEL, { ...MARCH, g: 'SOURCE' })).leadFunnel).toEqual([
      { source: 'google', campaign: null, leads: 4, mqls: 3, deals: 3, won: 3, leadToMqlRate: 0.75, mqlToDealRate: 1, dealToWonRate: 1, leadToWonRate: 0.75, revenueAvailable: true, revenueNote: null },
      { source: 'bing', campaign: null, leads: 1, mqls: 1, deals: 0, won: 0, leadToMqlRate: 1, mqlToDealRate: 0, dealToWonRate: null, leadToWonRate: 0, revenueAvailable: true, revenueNote: null },
    ]);
    expect(dataOf(await gql(FUNNEL, { ...MARCH, g: 'CAMPAIGN' })).leadFunnel).toEqual([
      { source: null, campaign: 'spring', leads: 5, mqls: 4, deals: 3, won: 3, leadToMqlRate: 0.8, mqlToDealRate: 0.75, dealToWonRate: 1, leadToWonRate: 0.6, revenueAvailable: true, revenueNote: null },
    ]);
    // February: none of these leads.
    expect(dataOf(await gql(FUNNEL, { from: '2026-02-01', to: '2026-02-28' })).leadFunnel).toEqual([]);
  });

  it('campaign conversions inside the window only, and retracted when the deal is reopened or the order cancelled', async () => {
    const tenantId = uniqueTenant();
    const { A, C, campaignId, dealA, orderC } = await fixture(tenantId);
    const conversions = () => h.sql(`SELECT campaign_id, contact_id, kind, source_id, amount::text AS amount, currency FROM "${h.schema}".campaign_conversions WHERE tenant_id = $1 ORDER BY kind`, [tenantId]);
    // A got the newsletter on 03-05 and won a deal on 03-10 (5 days): a conversion of it.
    await eventually(async () => (await conversions()).length === 1, 30000, 'campaign conversion of A');
    expect(await conversions()).toEqual([{ campaign_id: campaignId, contact_id: A, kind: 'deal_won', source_id: dealA, amount: '1000.000', currency: 'EUR' }]);

    // E got the same campaign 2025-11-01 and ordered 2026-03-20: 139 days later, outside the 90-day window. G, 90 days exactly: inside.
    const E = (await h.contact(tenantId)).contactId;
    const G = (await h.contact(tenantId)).contactId;
    for (const [contactId, day] of [[E, '2025-11-01'], [G, '2025-12-20']]) {
      const messageId = randomUUID();
      await publish('marketing', tenantId, MessageSentV1.type, messageId, { messageId, campaignId, campaignName: 'Spring newsletter', contactId, channel: 'sms', variant: null, sentAt: noon(day) });
    }
    const orderE = randomUUID();
    const orderG = randomUUID();
    await orderPlaced(tenantId, orderE, E, '2026-03-20', '100.00', '0.00');
    await orderPlaced(tenantId, orderG, G, '2026-03-20', '200.00', '0.00');
    await until(tenantId, 'sales_conversions', 5);
    await eventually(async () => (await conversions()).length === 2, 30000, 'campaign conversion of G');
    expect((await conversions()).map((r) => r.source_id).sort()).toEqual([dealA, orderG].sort());

    // Reopening A's deal and cancelling C's order takes them out of revenue and of the campaign's conversions.
    await publish('sales', tenantId, DealReopenedV1.type, dealA, {
      dealId: dealA, title: 'Licence', contactId: A, ownerId: 'user-1', pipelineId: randomUUID(), stageId: randomUUID(), amount: eur('1000.00'),
      previousStatus: 'won', reversedCommissions: [], reopenedAt: noon('2026-03-25'), reopenedBy: 'manager-1',
    });
    await publish('sales', tenantId, OrderCancelledV1.type, orderC, { orderId: orderC, number: 'O-1', contactId: C, channel: 'web_shop', total: eur('357.00'), cancelledAt: noon('2026-03-21'), cancelledBy: 'user-1' });
    await until(tenantId, 'sales_conversions', 3);
    expect((await conversions()).map((r) => r.source_id)).toEqual([orderG]);
    // Last-touch now: G1 lost A's 1000.00, G2 lost C's 300.00; B's 600.00 stays on B1.
    const roi = byKey(dataOf(await h.client({ tenantId })(ROI, { ...MARCH, m: 'LAST_TOUCH' })).keywordRoi);
    expect(roi['google|crm software']).toMatchObject({ revenue: eur('0.00'), customers: 0, paybackDate: null });
    expect(roi['google|open source crm']).toMatchObject({ revenue: eur('0.00'), customers: 0 });
    expect(roi['bing|crm software']).toMatchObject({ revenue: eur('600.00'), customers: 1 });
  });

  it('merge: the duplicate’s touches and lead move to the survivor (and link its conversions); erasure unlinks the person and keeps every figure', async () => {
    // ContactLifecycle.onMerge / onErase call these in the contact event's transaction; called here the same way.
    const repo = new AttributionRepository();
    const tenantId = uniqueTenant();
    const { A, C, campaignId, orderC } = await fixture(tenantId);
    const gql = h.client({ tenantId });
    const X = (await h.contact(tenantId, { createdAt: new Date().toISOString() })).contactId;
    const messageId = randomUUID();
    await publish('marketing', tenantId, MessageSentV1.type, messageId, { messageId, campaignId, campaignName: 'Spring newsletter', contactId: X, channel: 'email', variant: null, sentAt: noon('2026-03-15') });
    await until(tenantId, 'touches', 9);
    await until(tenantId, 'campaign_conversions', 1);

    await inTenantTx(h.svc.dataSource, tenantId, (tx) => repo.moveContact(tx, X, C));
    expect(await count(tenantId, 'touches', `contact_id = '${X}'`)).toBe(0);
    expect(await count(tenantId, 'leads', `contact_id = '${X}'`)).toBe(0);
    // C's lead keeps its own, earlier date (03-04; X was created today).
    expect(await h.sql(`SELECT to_char(lead_at, 'YYYY-MM-DD') AS d FROM "${h.schema}".leads WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, C])).toEqual([{ d: '2026-03-04' }]);
    // The newsletter X got on 03-15 now precedes C's order of 03-20: a conversion of the campaign, and C's last touch.
    expect(await h.sql(`SELECT contact_id, source_id FROM "${h.schema}".campaign_conversions WHERE tenant_id = $1 AND kind = 'order_placed'`, [tenantId])).toEqual([{ contact_id: C, source_id: orderC }]);
    const last = byKey(dataOf(await gql(ROI, { ...MARCH, m: 'LAST_TOUCH' })).keywordRoi);
    expect(last['marketing|Spring newsletter']).toMatchObject({ revenue: eur('300.00'), customers: 1 });
    expect(last['google|open source crm']).toMatchObject({ revenue: eur('0.00'), customers: 0 });

    const before = dataOf(await gql(ROI, { ...MARCH, m: 'LINEAR' })).keywordRoi;
    const funnelBefore = dataOf(await gql(FUNNEL, MARCH)).leadFunnel;
    await inTenantTx(h.svc.dataSource, tenantId, (tx) => repo.eraseContact(tx, A));
    for (const table of ['touches', 'leads', 'sales_deals', 'sales_conversions', 'campaign_conversions']) expect(await count(tenantId, table, `contact_id = '${A}'`)).toBe(0);
    expect(dataOf(await gql(ROI, { ...MARCH, m: 'LINEAR' })).keywordRoi).toEqual(before);
    expect(dataOf(await gql(FUNNEL, MARCH)).leadFunnel).toEqual(funnelBefore);
    expect(await count(tenantId, 'campaign_conversions')).toBe(2);

    // Once the replica knows the erasure, a late event of the person counts but links to nobody.
    await h.erase(tenantId, A);
    const late = randomUUID();
    await orderPlaced(tenantId, late, A, '2026-03-30', '10.00', '0.00');
    await until(tenantId, 'sales_conversions', 4);
    expect(await count(tenantId, 'sales_conversions', `contact_id = '${A}'`)).toBe(0);
  });

  it('every attribution table has tenant_id under forced row-level security', async () => {
    const rows = await h.sql<{ t: string; rls: boolean; forced: boolean; tenant: boolean }>(
      `SELECT c.relname AS t, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) ORDER BY 1`,
      [h.schema, [...ATTRIBUTION_TABLES]],
    );
    expect(rows).toEqual([...ATTRIBUTION_TABLES].sort().map((t) => ({ t, rls: true, forced: true, tenant: true })));
  });

  it('a real form submission (the public endpoint, the outbox, Kafka) becomes a lead and a touch of its paid keyword', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const form = dataOf(await gql(`mutation($i: CreateFormInput!) { createForm(input: $i) { publicKey } }`, { i: {
      name: 'Demo', fields: [{ field: 'email', label: 'Email', required: true }], consentText: 'Email me about the demo.', consentChannels: ['EMAIL'], thankYouMessage: 'Thanks',
    } })).createForm;
    const res = await fetch(`${h.svc.url.replace(/\/graphql$/, '')}/forms/${form.publicKey}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'lead@example.com', consent: 'yes', utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring', utm_term: 'crm', keyword: 'open source crm' }).toString(),
    });
    expect(res.status).toBe(200);
    await until(tenantId, 'touches', 1);
    const today = new Date().toISOString().slice(0, 10);
    expect(dataOf(await gql(ROI, { from: today, to: today })).keywordRoi).toEqual([
      { ...G2, currency: null, leads: 1, customers: null, revenue: null, cost: null, costPerAcquisition: null, roi: null, paybackDate: null, revenueAvailable: false, revenueNote: expect.stringContaining('No sales event') },
    ]);
  });

  it('without any sales event, spend and leads show, revenue is null and the response says why', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    dataOf(await gql(RECORD, { i: [{ day: '2026-03-01', ...G1, cost: eur('80.00') }] }));
    const A = (await h.contact(tenantId, { createdAt: noon('2026-03-02') })).contactId;
    await form(tenantId, A, '2026-03-02', G1);
    await until(tenantId, 'touches', 1);
    const rows = dataOf(await gql(ROI, { ...MARCH, m: 'LINEAR' })).keywordRoi;
    expect(rows).toEqual([
      { ...G1, currency: 'EUR', leads: 1, customers: null, revenue: null, cost: { amount: '80.00' }, costPerAcquisition: null, roi: null, paybackDate: null, revenueAvailable: false, revenueNote: expect.stringContaining('No sales event') },
    ]);
    expect(dataOf(await gql(FUNNEL, MARCH)).leadFunnel).toEqual([
      { source: 'google', campaign: null, leads: 1, mqls: 0, deals: null, won: null, leadToMqlRate: 0, mqlToDealRate: null, dealToWonRate: null, leadToWonRate: null, revenueAvailable: false, revenueNote: expect.stringContaining('No sales event') },
    ]);
  });

  it('refuses bad spend naming every bad field and writes nothing; refuses a report over mixed currencies unless one is chosen', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const err = expectError(await gql(RECORD, { i: [
      { day: '2026-03-01', ...G1, cost: eur('10.00') },
      { day: '2026-03-01', ...G2, cost: eur('-5.00') },
      { day: '2026-03-01', ...B1, cost: { amount: '5.00', currency: 'XXX' } },
      { day: '2026-03-02', source: ' ', cost: eur('1.001'), clicks: -1 },
    ] }), 'BAD_USER_INPUT');
    expect((err.extensions!.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['input.1.cost.amount', 'input.2.cost.currency', 'input.3.clicks', 'input.3.cost.amount', 'input.3.source']);
    const dup = expectError(await gql(RECORD, { i: [{ day: '2026-03-01', ...G1, cost: eur('1.00') }, { day: '2026-03-01', ...G1, cost: eur('2.00') }] }), 'BAD_USER_INPUT');
    expect(dup.extensions!.fields).toEqual([{ field: 'input.1', message: 'same day, source, medium, campaign and keyword as input.0' }]);
    expect(await count(tenantId, 'ad_spend')).toBe(0);
    expect(await h.outboxEvents(tenantId)).toEqual([]);

    // Recording the same key again replaces it (one row, latest figures), and each recording is an event.
    expect(dataOf(await gql(RECORD, { i: [{ day: '2026-03-01', ...G1, cost: eur('10.00') }] })).recordAdSpend).toBe(1);
    expect(dataOf(await gql(RECORD, { i: [{ day: '2026-03-01', ...G1, cost: eur('12.50'), clicks: 3 }, { day: '2026-03-01', ...G2, cost: { amount: '1500', currency: 'USD' } }] })).recordAdSpend).toBe(2);
    expect(await count(tenantId, 'ad_spend')).toBe(2);
    const events = await h.outboxEvents(tenantId);
    expect(events.map((e) => e.type)).toEqual(Array(3).fill('crm.marketing.ad-spend.recorded.v1'));
    expect(events[0].key).toBe(events[1].key);
    expect(events[1].data).toEqual({ spendId: events[0].key, day: '2026-03-01', ...G1, cost: eur('12.50'), clicks: 3, impressions: null, recordedBy: 'user-1' });

    const mixed = expectError(await gql(ROI, MARCH), 'BAD_USER_INPUT');
    expect(mixed.extensions!.fields).toEqual([{ field: 'currency', message: 'required: the period holds EUR, USD' }]);
    const usd = dataOf(await gql(ROI, { ...MARCH, c: 'USD' })).keywordRoi;
    expect(usd.map((r: Row) => [r.keyword, r.cost])).toEqual([['open source crm', { amount: '1500.00' }]]);
    expect(expectError(await gql(ROI, { from: '2026-03-31', to: '2026-03-01' }), 'BAD_USER_INPUT').extensions!.fields).toEqual([{ field: 'to', message: 'must not be before from' }]);
    expect(expectError(await gql(ROI, { ...MARCH, w: 0 }), 'BAD_USER_INPUT').extensions!.fields).toEqual([{ field: 'windowDays', message: expect.any(String) }]);

    // Permissions: read-only reads reports but records no spend.
    const readOnly = h.client({ tenantId, roles: ['read-only'] });
    expect(dataOf(await readOnly(ROI, { ...MARCH, c: 'EUR' })).keywordRoi).toHaveLength(1);
    expectError(await readOnly(RECORD, { i: [{ day: '2026-03-01', ...G1, cost: eur('1.00') }] }), 'FORBIDDEN');
  });

  it('imports spend from CSV: a dry run writes nothing, bad lines are refused with their line number', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const csv = [
      'Date;Source;Medium;Campaign;Search term;Spend;Currency;Clicks',
      '2026-03-01;google;cpc;spring;crm software;200.00;EUR;40',
      '2026-03-02;google;cpc;spring;crm software;-3.00;EUR;1',
      '2026-03-02;bing;cpc;spring;"crm software;50.00;EUR;2',
      '2026-03-02;bing;cpc;spring;crm software;50;EUR;',
      '2026-03-31;google;cpc;spring;crm software;1.00;EUX;1',
    ].join('\n');
    const expected = {
      rows: 5, created: 2, skipped: 0, failed: 3,
      errors: [
        { row: 3, message: 'cost: must not be negative' },
        { row: 4, message: 'malformed CSV (a quote that is not closed or a stray quote)' },
        { row: 6, message: 'currency: "EUX" is not a supported ISO 4217 currency code (e.g. EUR, USD, JPY)' },
      ],
    };
    expect(dataOf(await gql(IMPORT, { csv, dry: true })).importAdSpendCsv).toEqual({ dryRun: true, ...expected });
    expect(await count(tenantId, 'ad_spend')).toBe(0);
    expect(await h.outboxEvents(tenantId)).toEqual([]);
    expect(dataOf(await gql(IMPORT, { csv })).importAdSpendCsv).toEqual({ dryRun: false, ...expected });
    expect(await h.sql(`SELECT to_char(day, 'YYYY-MM-DD') AS day, source, keyword, cost::text AS cost, clicks FROM "${h.schema}".ad_spend WHERE tenant_id = $1 ORDER BY day`, [tenantId])).toEqual([
      { day: '2026-03-01', source: 'google', keyword: 'crm software', cost: '200.000', clicks: 40 },
      { day: '2026-03-02', source: 'bing', keyword: 'crm software', cost: '50.000', clicks: null },
    ]);
    // Listed newest day first, one page at a time.
    const LIST = `query($f: AdSpendFilter, $n: Int, $a: String) { adSpend(filter: $f, first: $n, after: $a) { totalCount edges { node { day source medium campaign keyword cost { amount currency } clicks recordedBy } } pageInfo { hasNextPage endCursor } } }`;
    const page1 = dataOf(await gql(LIST, { n: 1 })).adSpend;
    expect(page1).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true }, edges: [{ node: { day: '2026-03-02', source: 'bing', medium: 'cpc', campaign: 'spring', keyword: 'crm software', cost: eur('50.00'), clicks: null, recordedBy: 'user-1' } }] });
    const page2 = dataOf(await gql(LIST, { n: 1, a: page1.pageInfo.endCursor })).adSpend;
    expect(page2).toMatchObject({ pageInfo: { hasNextPage: false }, edges: [{ node: { day: '2026-03-01', source: 'google', cost: eur('200.00'), clicks: 40 } }] });
    expect(dataOf(await gql(LIST, { f: { source: 'google', from: '2026-03-01', to: '2026-03-01' } })).adSpend.totalCount).toBe(1);
    expect(expectError(await gql(LIST, { f: { from: '2026-03-02', to: '2026-03-01' } }), 'BAD_USER_INPUT').extensions!.fields).toEqual([{ field: 'filter.to', message: 'must not be before filter.from' }]);

    // Unknown columns stop the import before its first row.
    const stopped = dataOf(await gql(IMPORT, { csv: 'day,source,cost,currency,colour\n2026-03-01,google,1,EUR,red' })).importAdSpendCsv;
    expect(stopped).toMatchObject({ created: 0, failed: 1, errors: [{ row: 1, message: expect.stringContaining('unknown CSV column(s): colour') }] });
  });
});
