import { DealCreatedV1, DealLostV1, DealWonV1 } from '@crm/events';
import { dataOf, uniqueTenant } from '@crm/testing';
import { startSales, type Harness } from './harness';

const IMPORT = `mutation($csv: String!, $dry: Boolean, $map: [DealCsvColumnMapping!]) {
  importDealsCsv(csv: $csv, dryRun: $dry, map: $map) { dryRun rows created skipped failed errors { row message } }
}`;
const HISTORY_IMPORT = `mutation($csv: String!, $dry: Boolean, $map: [DealCsvColumnMapping!]) {
  importDealsCsv(csv: $csv, dryRun: $dry, map: $map) { dryRun rows created won lost skipped failed errors { row message } }
}`;
const HISTORY_DEALS = `{ deals(first: 50) { edges { node { title amount { amount currency } ownerId status closedAt lostReason expectedCloseDate stage { name } } } } }`;
const RULE = `mutation($i: CreateCommissionRuleInput!) { createCommissionRule(input: $i) { id } }`;
const STATEMENTS = `query($f: Date!, $t: Date!, $o: String) { commissions(from: $f, to: $t, ownerId: $o) {
  total { amount } entries { sourceId basis { amount } commission { amount } period earnedAt } } }`;
const DEALS = `{ deals(first: 50) { edges { node { title amount { amount currency } stage { name } contact { id } expectedCloseDate } } } }`;

/** Issue 10 §4: deals from a spreadsheet, stage by name, bad lines reported by number. */
describe('importDealsCsv', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startSales();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('imports a ;-separated file with aliased headers, stages by name and European amounts; reports bad lines; a dry run writes nothing; a re-run creates nothing', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'manager-1', roles: ['manager'] });
    const ada = await h.contact(tenantId, { emails: [{ email: 'ada@example.com', primary: true }] });
    const csv = [
      'Deal Name;Betrag;Währung;Contact Email;Deal Stage;Close Date;Kommentar', // 1
      'Jahreslizenz;1.234,50;EUR;ada@example.com;Proposal;2026-06-30;x', // 2
      'Wartung;99;EUR;ADA@example.com;;;', // 3: first stage of the default pipeline
      '"Stray;1;EUR;ada@example.com;;;', // 4
      'Extra;1;EUR;ada@example.com;;;;;', // 5: two extra columns
      'Nobody;5;EUR;nobody@example.com;;;', // 6
      'Bad stage;5;EUR;ada@example.com;Signed;;', // 7
      'Bad amount;abc;EUR;ada@example.com;;;', // 8
      'Jahreslizenz;10;EUR;ada@example.com;;;', // 9: same title and contact as line 2
    ].join('\n');
    const errors = [
      { row: 4, message: expect.stringMatching(/quote/) },
      { row: 5, message: 'expected 7 columns, found 9' },
      { row: 6, message: 'contactEmail: no contact with this email' },
      { row: 7, message: expect.stringMatching(/^stage: no stage named "Signed" in this pipeline \(stages: Qualification, Needs analysis, Proposal, Negotiation/) },
      { row: 8, message: expect.stringMatching(/^amount/) },
      { row: 9, message: 'duplicate of an earlier row in this file (same title, contact and pipeline as line 2)' },
    ];
    const map = [{ column: 'Kommentar', field: '' }];

    const dry = dataOf(await gql(IMPORT, { csv, dry: true, map })).importDealsCsv;
    expect(dry).toEqual({ dryRun: true, rows: 8, created: 2, skipped: 0, failed: 6, errors });
    expect(await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".deals WHERE tenant_id = $1`, [tenantId])).toEqual([{ n: 0 }]);
    expect(await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".pipelines WHERE tenant_id = $1`, [tenantId])).toEqual([{ n: 0 }]);

    const real = dataOf(await gql(IMPORT, { csv, map })).importDealsCsv;
    expect(real).toEqual({ dryRun: false, rows: 8, created: 2, skipped: 0, failed: 6, errors });
    const deals = dataOf<any>(await gql(DEALS)).deals.edges.map((e: any) => e.node).sort((x: any, y: any) => x.title.localeCompare(y.title));
    expect(deals).toEqual([
      { title: 'Jahreslizenz', amount: { amount: '1234.50', currency: 'EUR' }, stage: { name: 'Proposal' }, contact: { id: ada.contactId }, expectedCloseDate: '2026-06-30' },
      { title: 'Wartung', amount: { amount: '99.00', currency: 'EUR' }, stage: { name: 'Qualification' }, contact: { id: ada.contactId }, expectedCloseDate: null },
    ]);
    expect(await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".outbox WHERE tenant_id = $1 AND type = $2`, [tenantId, DealCreatedV1.type])).toEqual([{ n: 2 }]);

    const again = dataOf(await gql(IMPORT, { csv, map })).importDealsCsv;
    expect(again).toMatchObject({ created: 0, skipped: 2, failed: 6 });

    // The export writes the columns the import reads: into another tenant (same contact email there), the same deals.
    const EXPORT = `query($after: String) { dealsCsvPage(first: 1, after: $after) { csv endCursor hasNextPage totalCount } }`;
    let out = '';
    let after: string | null = null;
    do {
      const page: any = dataOf(await gql(EXPORT, { after })).dealsCsvPage;
      if (after === null) expect(page.totalCount).toBe(2);
      out += page.csv;
      after = page.hasNextPage ? page.endCursor : null;
    } while (after);
    const other = uniqueTenant();
    const otherGql = h.client({ tenantId: other, userId: 'manager-2', roles: ['manager'] });
    await h.contact(other, { emails: [{ email: 'ada@example.com', primary: true }] });
    // The source's contact id means nothing here: read the contact by email.
    const copy = dataOf(await otherGql(IMPORT, { csv: out, map: [{ column: "contactId", field: "" }] })).importDealsCsv;
    expect(copy).toMatchObject({ rows: 2, created: 2, failed: 0 });
    const project = (list: any[]) => list.map(({ contact: _c, ...d }) => d);
    const copied = dataOf<any>(await otherGql(DEALS)).deals.edges.map((e: any) => e.node).sort((x: any, y: any) => x.title.localeCompare(y.title));
    expect(project(copied)).toEqual(project(deals));
  });

  it('imports a history: won and lost rows are won and lost at their close date (commission computed and dated at the close, deal.won / deal.lost on Kafka); bad status and close-date lines are reported and write nothing; the export round-trips it', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'boss', roles: ['manager'] });
    await h.contact(tenantId, { emails: [{ email: 'ada@example.com', primary: true }] });
    // ann earns on won deals (EUR), graduated per month: 5 % up to 10,000, 8 % above.
    dataOf(await h.client({ tenantId, userId: 'boss', roles: ['admin'] })(RULE, {
      i: { name: 'ann tiers', ownerId: 'ann', appliesTo: 'DEALS', kind: 'PERCENTAGE', currency: 'EUR', tiers: [{ from: '0', rate: '5' }, { from: '10000', rate: '8' }] },
    }));
    const csv = [
      'Deal Name,Amount,Currency,Contact Email,Deal Stage,Close Date,Deal Owner,Deal Status,Closed At,Closed Lost Reason', // 1
      'Licence A,8000,EUR,ada@example.com,Proposal,2025-03-10,ann,Won,,', // 2: closed on its Close Date
      'Licence B,5000,EUR,ada@example.com,Closed Won,2025-03-31,ann,,2025-03-21T09:30:00Z,', // 3: won by its stage, closed at "Closed At"
      'Licence C,3000,EUR,ada@example.com,,,ann,closedwon,2025-04-02,', // 4
      'Lost one,700,EUR,ada@example.com,Negotiation,,ann,Closed Lost,2025-02-14,Price', // 5
      'Still open,100,EUR,ada@example.com,Proposal,2026-12-31,ann,open,,', // 6
      'Bad status,1,EUR,ada@example.com,,,ann,maybe,,', // 7
      'Bad date,1,EUR,ada@example.com,,,ann,won,2025-02-30,', // 8
      'Future,1,EUR,ada@example.com,,,ann,won,2999-01-01,', // 9
      'No date,1,EUR,ada@example.com,,,ann,won,,', // 10
      'No reason,1,EUR,ada@example.com,,,ann,lost,2025-01-01,', // 11
      'Contradiction,1,EUR,ada@example.com,Closed Lost,,ann,won,2025-01-01,', // 12
      'Open but closed,1,EUR,ada@example.com,,,ann,open,2025-01-01,', // 13
      'Won with reason,1,EUR,ada@example.com,,,ann,won,2025-01-01,Price', // 14
    ].join('\n');
    const errors = [
      { row: 7, message: 'status: "maybe" is not open, won or lost (nor Closed Won, Closed Lost)' },
      { row: 8, message: 'closedAt: "2025-02-30" is not a close date (YYYY-MM-DD or an ISO 8601 time)' },
      { row: 9, message: 'closedAt: 2999-01-01 is in the future; a won deal was closed already' },
      { row: 10, message: 'closedAt: a won deal needs its close date (closedAt, or Close Date)' },
      { row: 11, message: 'lostReason: a lost deal needs its reason, as losing one in the CRM does' },
      { row: 12, message: 'status: won contradicts the stage "Closed Lost" (lost)' },
      { row: 13, message: 'closedAt: an open deal has no close date (give its status: won or lost)' },
      { row: 14, message: 'lostReason: only a lost deal has a lost reason' },
    ];
    const counts = { rows: 13, created: 5, won: 3, lost: 1, skipped: 0, failed: 8, errors };

    const dry = dataOf(await gql(HISTORY_IMPORT, { csv, dry: true })).importDealsCsv;
    expect(dry).toEqual({ dryRun: true, ...counts });
    const written = async () =>
      (await h.sql(
        `SELECT (SELECT count(*)::int FROM "${h.schema}".deals WHERE tenant_id = $1) AS deals, (SELECT count(*)::int FROM "${h.schema}".commission_entries WHERE tenant_id = $1) AS entries,
                (SELECT count(*)::int FROM "${h.schema}".outbox WHERE tenant_id = $1 AND type LIKE 'crm.sales.deal.%') AS events`,
        [tenantId],
      ))[0];
    expect(await written()).toEqual({ deals: 0, entries: 0, events: 0 });

    expect(dataOf(await gql(HISTORY_IMPORT, { csv })).importDealsCsv).toEqual({ dryRun: false, ...counts });
    const deals = dataOf<any>(await gql(HISTORY_DEALS)).deals.edges.map((e: any) => e.node).sort((x: any, y: any) => x.title.localeCompare(y.title));
    expect(deals).toEqual([
      { title: 'Licence A', amount: { amount: '8000.00', currency: 'EUR' }, ownerId: 'ann', status: 'WON', closedAt: '2025-03-10T00:00:00.000Z', lostReason: null, expectedCloseDate: '2025-03-10', stage: { name: 'Proposal' } },
      { title: 'Licence B', amount: { amount: '5000.00', currency: 'EUR' }, ownerId: 'ann', status: 'WON', closedAt: '2025-03-21T09:30:00.000Z', lostReason: null, expectedCloseDate: '2025-03-31', stage: { name: 'Qualification' } },
      { title: 'Licence C', amount: { amount: '3000.00', currency: 'EUR' }, ownerId: 'ann', status: 'WON', closedAt: '2025-04-02T00:00:00.000Z', lostReason: null, expectedCloseDate: null, stage: { name: 'Qualification' } },
      { title: 'Lost one', amount: { amount: '700.00', currency: 'EUR' }, ownerId: 'ann', status: 'LOST', closedAt: '2025-02-14T00:00:00.000Z', lostReason: 'Price', expectedCloseDate: null, stage: { name: 'Negotiation' } },
      { title: 'Still open', amount: { amount: '100.00', currency: 'EUR' }, ownerId: 'ann', status: 'OPEN', closedAt: null, lostReason: null, expectedCloseDate: '2026-12-31', stage: { name: 'Proposal' } },
    ]);
    expect(await written()).toEqual({ deals: 5, entries: 3, events: 5 + 3 + 1 }); // deal.created ×5, deal.won ×3, deal.lost ×1

    // The commissions, by hand, in the months the deals were won (not this month):
    // March: A 8000 × 5 % = 400.00; B takes March to 13,000: 2000 × 5 % + 3000 × 8 % = 100.00 + 240.00 = 340.00.
    // April starts again from 0: C 3000 × 5 % = 150.00. (Dated today, C would have been 3000 × 8 % = 240.00.)
    const titleOf = new Map((await h.sql(`SELECT id, title FROM "${h.schema}".deals WHERE tenant_id = $1`, [tenantId])).map((d: any) => [d.id, d.title]));
    const [march] = dataOf(await gql(STATEMENTS, { f: '2025-03-01', t: '2025-03-31', o: 'ann' })).commissions;
    expect(march.entries.map((e: any) => [titleOf.get(e.sourceId), e.basis.amount, e.commission.amount, e.period, e.earnedAt])).toEqual([
      ['Licence A', '8000.00', '400.00', '2025-03', '2025-03-10T00:00:00.000Z'],
      ['Licence B', '5000.00', '340.00', '2025-03', '2025-03-21T09:30:00.000Z'],
    ]);
    expect(march.total.amount).toBe('740.00');
    const [april] = dataOf(await gql(STATEMENTS, { f: '2025-04-01', t: '2025-04-30', o: 'ann' })).commissions;
    expect(april.entries.map((e: any) => [titleOf.get(e.sourceId), e.commission.amount, e.period, e.earnedAt])).toEqual([['Licence C', '150.00', '2025-04', '2025-04-02T00:00:00.000Z']]);
    const today = new Date().toISOString().slice(0, 10);
    expect(dataOf(await gql(STATEMENTS, { f: today, t: today, o: 'ann' })).commissions).toEqual([]);

    // The events, as winning and losing in the CRM emit them, delivered to Kafka.
    await h.waitPublished(tenantId);
    const won = await h.outboxEvents(tenantId, DealWonV1.type);
    expect(won.map((e) => [titleOf.get(e.key), e.data.wonAt, e.data.wonBy, e.data.ownerId, e.published]).sort()).toEqual([
      ['Licence A', '2025-03-10T00:00:00.000Z', 'boss', 'ann', true],
      ['Licence B', '2025-03-21T09:30:00.000Z', 'boss', 'ann', true],
      ['Licence C', '2025-04-02T00:00:00.000Z', 'boss', 'ann', true],
    ]);
    const lost = await h.outboxEvents(tenantId, DealLostV1.type);
    expect(lost.map((e) => [titleOf.get(e.key), e.data.lostAt, e.data.reason, e.published])).toEqual([['Lost one', '2025-02-14T00:00:00.000Z', 'Price', true]]);

    // A re-run creates, wins and earns nothing twice.
    expect(dataOf(await gql(HISTORY_IMPORT, { csv })).importDealsCsv).toMatchObject({ created: 0, won: 0, lost: 0, skipped: 5, failed: 8 });
    expect(await written()).toEqual({ deals: 5, entries: 3, events: 9 });

    // Export → import into another tenant: the same history (status, close time, lost reason, stage).
    const out = dataOf(await gql(`{ dealsCsvPage(first: 100) { csv } }`)).dealsCsvPage.csv;
    // The deals list's filter narrows the export (crm export deals --filter '{"status":"WON"}').
    const wonOnly = dataOf<any>(await gql(`{ dealsCsvPage(first: 100, filter: { status: WON }) { csv totalCount } }`)).dealsCsvPage;
    expect(wonOnly.totalCount).toBe(3);
    const wonLines = wonOnly.csv.trim().split('\n').slice(1);
    expect([wonLines.length, wonLines.every((line: string) => /,won,/i.test(line))]).toEqual([3, true]);
    expect((await gql(`{ dealsCsvPage(filter: { pipelineId: "nope" }) { csv } }`)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const other = uniqueTenant();
    const otherGql = h.client({ tenantId: other, userId: 'boss-2', roles: ['manager'] });
    await h.contact(other, { emails: [{ email: 'ada@example.com', primary: true }] });
    const copy = dataOf(await otherGql(HISTORY_IMPORT, { csv: out, map: [{ column: 'contactId', field: '' }] })).importDealsCsv;
    expect(copy).toEqual({ dryRun: false, rows: 5, created: 5, won: 3, lost: 1, skipped: 0, failed: 0, errors: [] });
    const copied = dataOf<any>(await otherGql(HISTORY_DEALS)).deals.edges.map((e: any) => e.node).sort((x: any, y: any) => x.title.localeCompare(y.title));
    expect(copied).toEqual(deals);
  });


  it('is refused to a rep (deal.import)', async () => {
    const res = await h.client({ tenantId: uniqueTenant(), roles: ['rep'] })(IMPORT, { csv: 'title\nx\n' });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
