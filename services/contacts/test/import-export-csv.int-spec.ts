import { parse } from 'csv-parse/sync';
import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, Q, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const HEADER = 'firstName,lastName,email,phone,company,tags,lifecycleStage,ownerId';

describe('CSV through GraphQL: importContactsCsv and exportContactsCsv', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  const importCsv = async (gql: Gql, csv: string, c?: string) => dataOf(await gql(Q.importCsv, { csv, c })).importContactsCsv;

  /** Every active contact of the caller's tenant, through the paginated query. */
  async function allContacts(gql: Gql) {
    const out: any[] = [];
    let after: string | null = null;
    do {
      const page: any = dataOf(await gql(Q.list, { first: 100, after })).contacts;
      out.push(...page.edges.map((e: any) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return out;
  }

  it('importContactsCsv imports a small file: created, failed rows with file line numbers, defaultCountry, duplicates of existing contacts', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'csv-user' });
    await h.provision(tenantId, 'owner-1');
    const existing = dataOf(await gql(Q.create, { i: { firstName: 'Already', email: 'already@example.com' } })).createContact;
    const csv = [
      HEADER, // line 1
      'Ada,Lovelace,ada@example.com,020 7183 8750,Analytical Engines,vip;uk,lead,owner-1', // 2
      '"Grace ""Amazing""",Hopper,grace@example.com,,"Navy, US",,customer,', // 3
      'Multi,"Line', // 4: a quoted value spanning two lines
      'Name",multi@example.com,,,,,', // 5
      'Bad,Email,not-an-email,,,,,', // 6
      ',,,,,,,', // 7
      'Dup,Existing,ALREADY@example.com,,,,,', // 8
      '', // 9: empty line, skipped
      'Bad,Phone,,12345,,,,', // 10
      'Dup,InFile,Ada@Example.com,,,,,', // 11
      'Phone,Only,,+1 415 555 2671,analytical engines,,,', // 12
      'John,Smith,,,,,,', // 13: name only
      'John,Smith,,,,,,', // 14: the very same row again
      'John,Smith,,,,,lead,', // 15: same name, other values: another person
    ].join('\n');
    const report = await importCsv(gql, csv, 'GB');
    expect(report).toMatchObject({ rows: 12, created: 6, skipped: 0, failed: 6 });
    // Errors come in file order except rows refused at insert time (existing duplicates): compare sorted.
    expect([...report.errors].sort((x: any, y: any) => x.row - y.row)).toEqual([
      { row: 6, message: 'invalid email "not-an-email"' },
      { row: 7, message: 'row has no name, email or phone' },
      { row: 8, message: `duplicate of existing contact ${existing.id} (same email)` },
      { row: 10, message: 'invalid phone "12345"' },
      { row: 11, message: 'duplicate of an earlier row in this file (same email)' },
      { row: 14, message: 'duplicate of an earlier row in this file (same values as line 13)' },
    ]);
    const contacts = await allContacts(gql);
    expect(contacts).toHaveLength(7);
    expect(contacts.filter((c) => c.displayName === 'John Smith').map((c) => c.lifecycleStage).sort()).toEqual(['lead', null]);
    const byName = Object.fromEntries(contacts.map((c) => [c.displayName, c]));
    expect(byName['Ada Lovelace']).toMatchObject({ email: 'ada@example.com', phone: '+442071838750', tags: ['vip', 'uk'], lifecycleStage: 'lead', company: { name: expect.stringMatching(/^analytical engines$/i) } });
    expect(byName['Grace "Amazing" Hopper']).toMatchObject({ email: 'grace@example.com', company: { name: 'Navy, US' }, lifecycleStage: 'customer' });
    expect(byName['Multi Line\nName']).toMatchObject({ email: 'multi@example.com' });
    // Company names match case-insensitively: one company for both spellings.
    expect(byName['Phone Only'].company.id).toBe(byName['Ada Lovelace'].company.id);
    expect(await h.count('companies', tenantId)).toBe(2);
    const ada = dataOf(await gql(Q.contact, { id: byName['Ada Lovelace'].id })).contact;
    expect(ada).toMatchObject({ ownerId: 'owner-1', source: { source: 'import' } });
    expect(dataOf(await gql(Q.contact, { id: byName['Phone Only'].id })).contact.ownerId).toBe('csv-user');
    await expectEvent(rec, { type: EVENT.created, subject: ada.id, tenantId, where: (d) => d.phones[0]?.phone === '+442071838750' });
    // The events name the company as it is stored, whatever spelling the row used.
    const companyName = byName['Ada Lovelace'].company.name;
    for (const name of ['Ada Lovelace', 'Phone Only']) {
      const ev = await expectEvent(rec, { type: EVENT.created, subject: byName[name].id, tenantId });
      expect(ev.data).toMatchObject({ companyId: byName['Ada Lovelace'].company.id, companyName });
    }
    expect(await h.outboxCount(tenantId, EVENT.created)).toBe(7);
    // The two companies the file brought along were announced like createCompany's.
    expect(await h.outboxCount(tenantId, EVENT.company)).toBe(2);
    const companyEvent = await expectEvent(rec, { type: EVENT.company, subject: byName['Grace "Amazing" Hopper'].company.id, tenantId });
    expect(companyEvent.data).toEqual({
      companyId: byName['Grace "Amazing" Hopper'].company.id, name: 'Navy, US', domains: [], version: 1,
      legalName: null, industry: null, size: null, address: null, vatId: null, ownerId: null, tags: [], customFields: {},
    });

    // The same file again: nothing new.
    expect(await importCsv(gql, csv, 'GB')).toMatchObject({ rows: 12, created: 0, skipped: 6, failed: 6 });
    expect(await h.count('contacts', tenantId)).toBe(7);
    expect(await h.outboxCount(tenantId, EVENT.company)).toBe(2);
  });

  it('a file with an unknown column stops with a readable error; broken quoting costs only its line', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const unknown = await importCsv(gql, 'firstName,fax\nAda,123\n');
    expect(unknown).toMatchObject({ created: 0, failed: 1 });
    expect(unknown.errors[0].message).toMatch(/unknown CSV column\(s\): fax/);
    const [stopped] = await h.sql(`SELECT status FROM "${h.schema}".import_jobs WHERE id = $1`, [unknown.jobId]);
    expect(stopped.status).toBe('failed');
    const broken = await importCsv(gql, `${HEADER}\nAda,"Love,ada@example.com\nGrace,Hopper,grace@example.com,,,,,\n`);
    expect(broken).toMatchObject({ rows: 2, created: 1, failed: 1, errors: [{ row: 2, message: expect.stringMatching(/quote/) }] });
    const [job] = await h.sql(`SELECT status FROM "${h.schema}".import_jobs WHERE id = $1`, [broken.jobId]);
    expect(job.status).toBe('completed');
    expect(await h.count('contacts', tenantId)).toBe(1);
  });

  it('exportContactsCsv → importContactsCsv into another tenant reproduces the contacts (over several export pages)', async () => {
    const tenantA = uniqueTenant();
    const a = h.client({ tenantId: tenantA, userId: 'owner-a' });
    await h.provision(tenantA, 'someone');
    const acme = dataOf(await a(Q.createCompany, { i: { name: 'Acme, Inc.' } })).createCompany;
    // 250 contacts in one import (one transaction: identical created_at), a few more by hand.
    const rows = Array.from({ length: 250 }, (_, i) => `P${i},"Family ""${i % 17}""",p${i}@round.example,${i % 2 ? `+1 212 555 ${String(i).padStart(4, '0')}` : ''},${i % 5 ? '' : '"Acme, Inc."'},${i % 3 ? 'x;y' : ''},${i % 4 ? 'lead' : ''},`);
    expect(await importCsv(a, [HEADER, ...rows].join('\n'))).toMatchObject({ created: 250, failed: 0 });
    const handMade = [
      { firstName: 'Hand', lastName: 'Made', email: 'hand@round.example', phone: '+44 20 7183 8750', companyId: acme.id, tags: ['t1', 't2'], lifecycleStage: 'customer', ownerId: 'someone' },
      { firstName: "O'Neil", lastName: '<b>Quote</b>', email: 'oneil@round.example' },
      { phone: '(415) 555-2671' },
    ];
    for (const i of handMade) dataOf(await a(Q.create, { i }));
    const sourceContacts = await allContacts(a);
    expect(sourceContacts).toHaveLength(253);

    const csv = dataOf(await a(Q.exportCsv)).exportContactsCsv as string;
    const records: Record<string, string>[] = parse(csv, { columns: true });
    expect(Object.keys(records[0])).toEqual([
      'id', 'firstName', 'lastName', 'email', 'phone', 'company', 'tags', 'lifecycleStage', 'ownerId', 'timeZone', 'preferredChannels', 'socialHandles',
      'source.leadSource', 'source.source', 'source.medium', 'source.campaign', 'source.term', 'source.content', 'source.keyword',
      'address.label', 'address.line1', 'address.line2', 'address.city', 'address.region', 'address.postalCode', 'address.country',
      'consent.email', 'consent.sms', 'consent.phone', 'consent.post', 'consent.social',
    ]);
    expect(records).toHaveLength(253);
    expect(new Set(records.map((r) => r.id))).toEqual(new Set(sourceContacts.map((c) => c.id)));
    // A filtered export only has the matching contacts.
    expect(parse(dataOf(await a(Q.exportCsv, { filter: { tags: ['t1'] } })).exportContactsCsv, { columns: true })).toHaveLength(1);

    const tenantB = uniqueTenant();
    const b = h.client({ tenantId: tenantB, userId: 'owner-b' });
    // The exported owners must be users of the importing tenant too.
    await h.provision(tenantB, 'owner-a', 'someone');
    const report = await importCsv(b, csv);
    expect(report).toMatchObject({ rows: 253, created: 253, skipped: 0, failed: 0, errors: [] });

    const project = async (gql: Gql, list: any[]) => {
      const out = [];
      for (const c of list) {
        const full = dataOf(await gql(Q.contact, { id: c.id })).contact;
        out.push({
          firstName: full.firstName, lastName: full.lastName, displayName: full.displayName, email: full.email, phone: full.phone, company: full.company?.name ?? null,
          tags: full.tags, lifecycleStage: full.lifecycleStage, ownerId: full.ownerId,
        });
      }
      return out.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    };
    const targetContacts = await allContacts(b);
    expect(targetContacts).toHaveLength(253);
    expect(targetContacts.every((c) => !sourceContacts.some((s) => s.id === c.id))).toBe(true);
    expect(await project(b, targetContacts)).toEqual(await project(a, sourceContacts));
  });

  it('neutralises spreadsheet formulas in the export (OWASP CSV injection) and the import reads them back as written', async () => {
    const [tenantA, tenantB] = [uniqueTenant(), uniqueTenant()];
    await h.provision(tenantA, '=owner');
    await h.provision(tenantB, '=owner');
    const a = h.client({ tenantId: tenantA });
    const evil = { firstName: '=HYPERLINK("http://evil.example","x")', lastName: '@SUM(A1:A9)', tags: ['+cmd', '-1+2'], email: 'formula@round.example', phone: '+44 20 7183 8750', ownerId: '=owner' };
    const source = dataOf(await a(Q.create, { i: evil })).createContact;
    const csv = dataOf(await a(Q.exportCsv)).exportContactsCsv as string;
    const [row] = parse(csv, { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({ firstName: `'${evil.firstName}`, lastName: `'${evil.lastName}`, phone: `'${source.phone}`, tags: "'+cmd;-1+2", ownerId: "'=owner" });
    for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    const b = h.client({ tenantId: tenantB });
    expect(await importCsv(b, csv)).toMatchObject({ created: 1, failed: 0 });
    const [imported] = await allContacts(b);
    const full = dataOf(await b(Q.contact, { id: imported.id })).contact;
    expect(full).toMatchObject({ firstName: evil.firstName, lastName: evil.lastName, phone: source.phone, ownerId: evil.ownerId });
    expect([...full.tags].sort()).toEqual([...evil.tags].sort());
  });
});
