import { DealCreatedV1 } from '@crm/events';
import { dataOf, uniqueTenant } from '@crm/testing';
import { startSales, type Harness } from './harness';

const IMPORT = `mutation($csv: String!, $dry: Boolean, $map: [DealCsvColumnMapping!]) {
  importDealsCsv(csv: $csv, dryRun: $dry, map: $map) { dryRun rows created skipped failed errors { row message } }
}`;
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


  it('is refused to a rep (deal.import)', async () => {
    const res = await h.client({ tenantId: uniqueTenant(), roles: ['rep'] })(IMPORT, { csv: 'title\nx\n' });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
