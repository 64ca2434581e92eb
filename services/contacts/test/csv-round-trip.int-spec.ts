import { parse } from 'csv-parse/sync';
import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { CONTACT_FIELDS, EVENT, Q, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const CONTACTS_PAGE = `query($first: Int, $after: String) { contactsCsvPage(first: $first, after: $after) { csv rows endCursor hasNextPage totalCount columns } }`;
const COMPANIES_PAGE = `query($first: Int, $after: String) { companiesCsvPage(first: $first, after: $after) { csv rows endCursor hasNextPage totalCount columns } }`;
const IMPORT_CONTACTS = `mutation($csv: String!) { importContactsCsv(csv: $csv) { rows created skipped failed errors { row message } } }`;
const IMPORT_COMPANIES = `mutation($csv: String!, $dry: Boolean) { importCompaniesCsv(csv: $csv, dryRun: $dry) { dryRun rows created skipped failed errors { row message } } }`;
const CONTACT = `query($id: ID!) { contact(id: $id) { ${CONTACT_FIELDS} timeZone socialHandles { network handle } source { leadSource source medium campaign term content keyword } } }`;
const COMPANY = `id name legalName domains industry size address { label line1 line2 city region postalCode country } vatId ownerId tags customFields { key type value } mergedIntoId`;
const COMPANIES = `{ companies(first: 100) { totalCount edges { node { ${COMPANY} } } } }`;

/** Issue 10 §4: "the same columns the import reads, so a round trip is faithful" — for whole contacts and companies. */
describe('CSV round trips of whole contacts and companies', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  /** One custom field of each type; contacts and companies share the definitions. */
  const defineFields = async (gql: Gql) => {
    for (const i of [
      { key: 'tier', label: 'Tier', type: 'ENUM', options: ['gold', 'silver'] },
      { key: 'score', label: 'Score', type: 'NUMBER' },
      { key: 'since', label: 'Customer since', type: 'DATE' },
      { key: 'vip', label: 'VIP', type: 'BOOLEAN' },
      { key: 'note', label: 'Note', type: 'TEXT' },
    ]) dataOf(await gql(Q.defineField, { i }));
  };

  /** Every page of an export, joined; each page's columns are the first page's. */
  async function exportAll(gql: Gql, query: string, field: string, first: number) {
    let csv = '';
    let columns: string[] | null = null;
    let after: string | null = null;
    let pages = 0;
    do {
      const page: any = dataOf(await gql(query, { first, after }))[field];
      columns ??= page.columns;
      expect(page.columns).toEqual(columns);
      csv += page.csv;
      pages += 1;
      after = page.hasNextPage ? page.endCursor : null;
    } while (after);
    return { csv, columns: columns!, pages };
  }

  /** A contact as the API shows it, minus what is the target tenant's own (ids, versions, times, the import's evidence). */
  const wholeContact = (c: any) => ({
    firstName: c.firstName, lastName: c.lastName, displayName: c.displayName, email: c.email, phone: c.phone,
    emails: c.emails.map((e: any) => ({ email: e.email, primary: e.primary })), phones: c.phones.map((p: any) => ({ e164: p.e164, primary: p.primary })),
    company: c.company?.name ?? null, tags: c.tags, lifecycleStage: c.lifecycleStage, ownerId: c.ownerId, addresses: c.addresses,
    timeZone: c.timeZone, preferredChannels: c.preferredChannels, socialHandles: c.socialHandles,
    // A contact with no attribution is recorded as coming from the import (as every import does); one with it keeps it.
    source: c.source ?? { leadSource: null, source: 'import', medium: null, campaign: null, term: null, content: null, keyword: null },
    customFields: [...c.customFields].sort((x: any, y: any) => x.key.localeCompare(y.key)),
    consents: c.consents.map((k: any) => ({ channel: k.channel, granted: k.granted })),
  });
  async function contactsOf(gql: Gql) {
    const out: any[] = [];
    let after: string | null = null;
    do {
      const page: any = dataOf(await gql(Q.list, { first: 100, after })).contacts;
      for (const e of page.edges) out.push(dataOf(await gql(CONTACT, { id: e.node.id })).contact);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return out;
  }
  const byLastName = (xs: any[]) => [...xs].sort((x, y) => String(x.lastName).localeCompare(String(y.lastName)));

  it('contacts: every email, phone and address (primary first, in order), custom fields, consents, tags, company, owner and stage survive export → import into a fresh tenant; a second import creates nothing', async () => {
    const tenantA = uniqueTenant();
    const a = h.client({ tenantId: tenantA, userId: 'user-a' });
    await h.provision(tenantA, 'owner-1', 'owner-2');
    await defineFields(a);
    const acme = dataOf(await a(Q.createCompany, { i: { name: 'Acme, Inc.' } })).createCompany;
    const N = 14;
    for (let i = 0; i < N; i++) {
      const c = dataOf(
        await a(Q.create, {
          i: {
            firstName: `Ada${i}`, lastName: `L${String(i).padStart(2, '0')}`,
            email: i % 7 === 6 ? null : `Ada${i}@Round.example`,
            otherEmails: i % 3 === 0 ? [`ada${i}.work@round.example`, `ada${i}@old.example`] : i % 3 === 1 ? [`ada${i}.alt@round.example`] : [],
            phone: i % 2 ? `+44 20 7183 ${String(8700 + i)}` : null,
            otherPhones: i % 4 === 1 ? [`+1 212 555 ${String(1000 + i)}`] : [],
            timeZone: i % 3 ? null : 'Europe/Berlin', preferredChannels: i % 2 ? ['SMS', 'EMAIL'] : [],
            socialHandles: i % 4 ? [] : [{ network: 'linkedin', handle: `ada-${i}` }, { network: 'mastodon', handle: `@ada${i}@example.social` }],
            companyId: i % 2 ? acme.id : null, tags: i % 2 ? ['vip', 'emea'] : [], lifecycleStage: i % 3 ? 'customer' : null,
            ownerId: ['owner-1', 'owner-2', null][i % 3],
            source: i % 2 ? { leadSource: 'Trade fair, Köln', source: 'google', medium: 'cpc', campaign: `spring-${i}`, keyword: 'crm "open source"' } : null,
            addresses: i % 5 === 0
              ? [{ label: 'office', line1: `${i} Main St`, city: 'London', postalCode: 'N1 1AA', country: 'GB' }, { label: 'home', line1: 'Rue "Haute", 3', line2: 'Bât. B', city: 'Paris', region: 'IDF', country: 'FR' }]
              : i % 5 === 1 ? [{ city: 'Berlin', country: 'DE' }] : [],
            customFields: i % 2
              ? [{ key: 'tier', value: 'gold' }, { key: 'score', value: '3.5' }, { key: 'since', value: '2024-02-29' }, { key: 'vip', value: 'false' }, { key: 'note', value: 'first line, "quoted"\nsecond line' }]
              : [{ key: 'vip', value: 'true' }],
          },
        }),
      ).createContact;
      if (i % 3 === 0) dataOf(await a(`mutation($id: ID!, $c: Channel!, $g: Boolean!) { setConsent(input: { contactId: $id, channel: $c, granted: $g }) { id } }`, { id: c.id, c: 'EMAIL', g: true }));
      if (i % 4 === 0) dataOf(await a(`mutation($id: ID!, $c: Channel!, $g: Boolean!) { setConsent(input: { contactId: $id, channel: $c, granted: $g }) { id } }`, { id: c.id, c: 'SMS', g: false }));
      // An order that is not alphabetical: the primary last of the three, the others swapped.
      if (i === 3) dataOf(await a(`mutation($id: ID!, $e: [String!]!) { setContactEmails(id: $id, input: { emails: $e }) { id } }`, { id: c.id, e: ['ada3@old.example', 'Ada3@Round.example', 'ada3.work@round.example'] }));
    }
    const source = byLastName(await contactsOf(a));
    expect(source).toHaveLength(N);
    expect(source[3].emails.map((e: any) => e.email)).toEqual(['ada3@old.example', 'Ada3@Round.example', 'ada3.work@round.example']);

    // Pages of 4: the numbered columns (as many as the widest contact) are the same on every page.
    const { csv, columns, pages } = await exportAll(a, CONTACTS_PAGE, 'contactsCsvPage', 4);
    expect(pages).toBe(4);
    expect(columns).toEqual([
      'id', 'firstName', 'lastName', 'email', 'email 2', 'email 3', 'phone', 'phone 2', 'company', 'tags', 'lifecycleStage', 'ownerId', 'timeZone', 'preferredChannels', 'socialHandles',
      'source.leadSource', 'source.source', 'source.medium', 'source.campaign', 'source.term', 'source.content', 'source.keyword',
      'address.label', 'address.line1', 'address.line2', 'address.city', 'address.region', 'address.postalCode', 'address.country',
      'address 2.label', 'address 2.line1', 'address 2.line2', 'address 2.city', 'address 2.region', 'address 2.postalCode', 'address 2.country',
      'consent.email', 'consent.sms', 'consent.phone', 'consent.post', 'consent.social',
      'cf.note', 'cf.score', 'cf.since', 'cf.tier', 'cf.vip',
    ]);
    const records = parse(csv, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(N);
    expect(records.find((r) => r.lastName === 'L03')).toMatchObject({ email: 'ada3@old.example', 'email 2': 'Ada3@Round.example', 'email 3': 'ada3.work@round.example' });

    const tenantB = uniqueTenant();
    const b = h.client({ tenantId: tenantB, userId: 'user-b' });
    await h.provision(tenantB, 'owner-1', 'owner-2', 'user-a');
    await defineFields(b);
    expect(dataOf(await b(IMPORT_CONTACTS, { csv })).importContactsCsv).toEqual({ rows: N, created: N, skipped: 0, failed: 0, errors: [] });
    const target = byLastName(await contactsOf(b));
    expect(target.map(wholeContact)).toEqual(source.map(wholeContact));
    // Not vacuous: the secondary values, both addresses and the custom values really travelled.
    expect(target[0]).toMatchObject({ emails: [{ primary: true }, { primary: false }, { primary: false }], addresses: [{ city: 'London' }, { city: 'Paris', line1: 'Rue "Haute", 3' }] });
    expect(target[1].phones.map((p: any) => p.e164)).toEqual(['+442071838701', '+12125551001']);
    expect(target[0]).toMatchObject({ timeZone: 'Europe/Berlin', socialHandles: [{ network: 'linkedin', handle: 'ada-0' }, { network: 'mastodon', handle: '@ada0@example.social' }] });
    expect(target[1].preferredChannels).toEqual(['SMS', 'EMAIL']);
    expect(target[1].source).toEqual({ leadSource: 'Trade fair, Köln', source: 'google', medium: 'cpc', campaign: 'spring-1', term: null, content: null, keyword: 'crm "open source"' });
    expect(target[1].customFields).toEqual(expect.arrayContaining([{ key: 'note', type: 'text', value: 'first line, "quoted"\nsecond line' }, { key: 'score', type: 'number', value: '3.5' }]));
    // The event of an imported contact carries every email and phone, primary first.
    const created = await expectEvent(rec, { type: EVENT.created, subject: target[3].id, tenantId: tenantB });
    expect(created.data.emails).toEqual([
      { email: 'ada3@old.example', primary: true }, { email: 'ada3@round.example', primary: false }, { email: 'ada3.work@round.example', primary: false },
    ]);

    // Nothing twice: the same file again creates nothing, and any of a contact's emails or phones makes a row its duplicate.
    expect(dataOf(await b(IMPORT_CONTACTS, { csv })).importContactsCsv).toMatchObject({ rows: N, created: 0, skipped: N, failed: 0 });
    expect(await h.count('contacts', tenantB)).toBe(N);
  });

  it("contacts from other tools' files: numbered columns in their spellings and HubSpot's list; the duplicate rules hold for every email and phone of a row", async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const existing = dataOf(await gql(Q.create, { i: { firstName: 'Taken', email: 'taken@x.example', otherEmails: ['taken2@x.example'], phone: '+1 202 555 0147', otherPhones: ['+1 415 555 2671'] } })).createContact;
    const csv = [
      'First Name,E-mail 1 - Value,E-mail 2 - Value,Phone 1 - Value,Phone 2 - Value,Address 1 - City,Address 2 - City,Address 2 - Country,Additional email addresses,Lead Source,utm_campaign', // 1
      'Ann,ann@x.example,ann.work@x.example,+44 20 7183 8750,,London,Paris,FR,ann.old@x.example;ann.older@x.example,Webinar,q2-launch', // 2
      'Bob,bob@x.example,TAKEN2@x.example,,,,,,,,', // 3: a secondary email of an existing contact
      'Cid,cid@x.example,,,+1 (415) 555-2671,,,,,,', // 4: a secondary phone of an existing contact
      'Dan,dan@x.example,,,,,,,ann.older@x.example,,', // 5: an email of line 2 (its list)
      'Eve,eve@x.example,not-an-email,,,,,,,,', // 6
      'Fay,,fay@x.example,,+44 20 7183 8751,,,,,,', // 7: only second columns: they become the primary ones
    ].join('\n');
    const report = dataOf(await gql(IMPORT_CONTACTS, { csv })).importContactsCsv;
    expect(report).toMatchObject({ rows: 6, created: 2, skipped: 0, failed: 4 });
    expect([...report.errors].sort((x: any, y: any) => x.row - y.row)).toEqual([
      { row: 3, message: `duplicate of existing contact ${existing.id} (same email)` },
      { row: 4, message: `duplicate of existing contact ${existing.id} (same phone)` },
      { row: 5, message: 'duplicate of an earlier row in this file (same email)' },
      { row: 6, message: 'invalid email 2 "not-an-email"' },
    ]);
    const all = await contactsOf(gql);
    const ann = all.find((c) => c.firstName === 'Ann');
    expect(ann).toMatchObject({
      source: { leadSource: 'Webinar', campaign: 'q2-launch', source: null },
      email: 'ann@x.example',
      emails: [{ email: 'ann@x.example', primary: true }, { email: 'ann.work@x.example', primary: false }, { email: 'ann.old@x.example', primary: false }, { email: 'ann.older@x.example', primary: false }],
      phones: [{ e164: '+442071838750', primary: true }],
      addresses: [{ city: 'London', country: null }, { city: 'Paris', country: 'FR' }],
    });
    expect(all.find((c) => c.firstName === 'Fay')).toMatchObject({ email: 'fay@x.example', emails: [{ email: 'fay@x.example', primary: true }], phones: [{ e164: '+442071838751', primary: true }] });
  });

  it('companies: every field (legal name, domains, industry, size, address, VAT id, owner, tags, custom fields) survives export → import into a fresh tenant; merged tombstones stay behind; a second import creates nothing', async () => {
    const tenantA = uniqueTenant();
    const a = h.client({ tenantId: tenantA, userId: 'user-a' });
    await h.provision(tenantA, 'owner-1');
    await defineFields(a);
    const create = async (i: object) => dataOf(await a(`mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }`, { i })).createCompany;
    const sizes = ['EMPLOYEES_1_10', 'EMPLOYEES_11_50', 'EMPLOYEES_51_200', 'EMPLOYEES_5001_PLUS', null];
    for (let i = 0; i < 10; i++) {
      await create({
        name: i === 4 ? '=Formula; "Quoted", Ltd' : `Company ${i}`, legalName: i % 2 ? `Company ${i} GmbH` : null, domains: i % 3 ? [`c${i}.example`, `c${i}.example.org`] : [],
        industry: i % 2 ? 'Machinery' : null, size: sizes[i % 5], vatId: i % 2 ? `DE12345678${i}` : null,
        // Left out: the creator (an empty owner cell is the importing user, as for contacts).
        ownerId: i % 2 ? 'owner-1' : undefined, tags: i % 2 ? ['key-account', 'emea'] : [],
        address: i % 3 ? { label: 'HQ', line1: `${i} Hauptstr.`, line2: 'Hof 2', city: 'Köln', region: 'NRW', postalCode: '50667', country: 'DE' } : null,
        customFields: i % 2 ? [{ key: 'tier', value: 'silver' }, { key: 'score', value: '12.25' }, { key: 'since', value: '2020-01-31' }, { key: 'vip', value: 'true' }, { key: 'note', value: 'a, "b"\nc' }] : [],
      });
    }
    const dup = await create({ name: 'Company 1 (old)', domains: ['old.example'] });
    const survivor = (dataOf(await a(COMPANIES)).companies.edges as any[]).find((e) => e.node.name === 'Company 1').node;
    dataOf(await a(`mutation($s: ID!, $d: ID!) { mergeCompanies(survivorId: $s, duplicateId: $d) { id } }`, { s: survivor.id, d: dup.id }));

    const whole = (c: any) => ({ ...c, id: undefined, customFields: [...c.customFields].sort((x: any, y: any) => x.key.localeCompare(y.key)) });
    const companiesOf = async (gql: Gql) => (dataOf(await gql(COMPANIES)).companies.edges as any[]).map((e) => whole(e.node)).sort((x, y) => x.name.localeCompare(y.name));
    const source = await companiesOf(a);
    expect(source).toHaveLength(10);

    const { csv, columns, pages } = await exportAll(a, COMPANIES_PAGE, 'companiesCsvPage', 3);
    expect(pages).toBe(4);
    expect(columns).toEqual([
      'id', 'name', 'legalName', 'domains', 'industry', 'size', 'vatId', 'ownerId', 'tags',
      'address.label', 'address.line1', 'address.line2', 'address.city', 'address.region', 'address.postalCode', 'address.country',
      'cf.note', 'cf.score', 'cf.since', 'cf.tier', 'cf.vip',
    ]);
    const records = parse(csv, { columns: true }) as Record<string, string>[];
    // The tombstone is not exported (its survivor is, with the domain it brought).
    expect(records.map((r) => r.name)).not.toContain('Company 1 (old)');
    expect(records.find((r) => r.name === 'Company 1')).toMatchObject({ domains: 'c1.example;c1.example.org;old.example', size: 'EMPLOYEES_11_50', vatId: 'DE123456781' });
    expect(records.find((r) => r.name.includes('Formula'))?.name).toBe(`'=Formula; "Quoted", Ltd`);
    // The list's filter narrows the export (crm export companies --filter): by name part or domain, and the count says so.
    const filtered = dataOf(await a(`{ companiesCsvPage(first: 100, filter: { search: "old.example" }) { csv totalCount } }`)).companiesCsvPage;
    expect([filtered.totalCount, (parse(filtered.csv, { columns: true }) as Record<string, string>[]).map((r) => r.name)]).toEqual([1, ['Company 1']]);
    expectError(await a(`{ companiesCsvPage(filter: { teamId: "not-a-team" }) { csv } }`), 'BAD_USER_INPUT');

    const tenantB = uniqueTenant();
    const b = h.client({ tenantId: tenantB, userId: 'user-b' });
    await h.provision(tenantB, 'owner-1', 'user-a');
    await defineFields(b);
    expect(dataOf(await b(IMPORT_COMPANIES, { csv })).importCompaniesCsv).toEqual({ dryRun: false, rows: 10, created: 10, skipped: 0, failed: 0, errors: [] });
    const target = await companiesOf(b);
    expect(target).toEqual(source);
    expect(target.find((c) => c.name === 'Company 1')).toMatchObject({
      legalName: 'Company 1 GmbH', industry: 'Machinery', size: 'EMPLOYEES_11_50', vatId: 'DE123456781', ownerId: 'owner-1', tags: ['key-account', 'emea'],
      address: { label: 'HQ', line1: '1 Hauptstr.', line2: 'Hof 2', city: 'Köln', region: 'NRW', postalCode: '50667', country: 'DE' },
      customFields: [{ key: 'note', type: 'text', value: 'a, "b"\nc' }, { key: 'score', type: 'number', value: '12.25' }, { key: 'since', type: 'date', value: '2020-01-31' }, { key: 'tier', type: 'enum', value: 'silver' }, { key: 'vip', type: 'boolean', value: 'true' }],
    });
    // Each created company is announced with all its fields.
    const ids = (dataOf(await b(COMPANIES)).companies.edges as any[]).map((e) => e.node);
    const c1 = ids.find((c) => c.name === 'Company 1');
    await expectEvent(rec, { type: EVENT.company, subject: c1.id, tenantId: tenantB, where: (d: any) => d.vatId === 'DE123456781' && d.size === '11-50' && d.customFields.tier === 'silver' && d.ownerId === 'owner-1' });

    expect(dataOf(await b(IMPORT_COMPANIES, { csv })).importCompaniesCsv).toMatchObject({ rows: 10, created: 0, skipped: 10, failed: 0 });
    expect(await h.count('companies', tenantB)).toBe(10);
  });

  it("companies from other tools' files: HubSpot/Salesforce headers, a head count for the size; a bad owner, VAT id, size or custom value costs its line only; a dry run writes nothing", async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'importer' });
    await h.provision(tenantId, 'seller-1');
    await defineFields(gql);
    const csv = [
      'Company name;Company Domain Name;Legal Name;Industry;Number of Employees;Billing Street;City;Postal Code;Country/Region;VAT Number;Company owner;Labels;Tier', // 1
      'Bäckerei Groß;baeckerei.example;Bäckerei Groß GmbH;Food;120;Hauptstr. 1;Köln;50667;DE;DE 123.456.789;seller-1;b2b|local;gold', // 2
      'Nobody Owns;nobody.example;;;;;;;;;nobody-at-all;;', // 3: not a user of the tenant
      'Bad Vat;;;;;;;;;??;;;', // 4
      'Too Big;;;;lots;;;;;;;;', // 5
      'Wrong Tier;;;;;;;;;;;;platinum', // 6
      'Plain;;;;EMPLOYEES_5001_PLUS;;;;;;;;', // 7: owner left out: the importing user
    ].join('\n');
    const expected = {
      rows: 6, created: 2, skipped: 0, failed: 4,
      errors: [
        { row: 4, message: expect.stringMatching(/^vatId /) },
        { row: 5, message: expect.stringMatching(/^size /) },
        { row: 6, message: expect.stringMatching(/custom field "tier" expects one of gold, silver/) },
        { row: 3, message: 'ownerId: nobody-at-all is not a user of this tenant' },
      ],
    };
    const before = await h.footprint(tenantId);
    expect(dataOf(await gql(IMPORT_COMPANIES, { csv, dry: true })).importCompaniesCsv).toEqual({ dryRun: true, ...expected });
    expect(await h.footprint(tenantId)).toEqual(before);
    expect(dataOf(await gql(IMPORT_COMPANIES, { csv })).importCompaniesCsv).toEqual({ dryRun: false, ...expected });
    const companies = (dataOf(await gql(COMPANIES)).companies.edges as any[]).map((e) => e.node).sort((x, y) => x.name.localeCompare(y.name));
    expect(companies).toEqual([
      {
        id: expect.any(String), name: 'Bäckerei Groß', legalName: 'Bäckerei Groß GmbH', domains: ['baeckerei.example'], industry: 'Food', size: 'EMPLOYEES_51_200',
        address: { label: null, line1: 'Hauptstr. 1', line2: null, city: 'Köln', region: null, postalCode: '50667', country: 'DE' },
        vatId: 'DE123456789', ownerId: 'seller-1', tags: ['b2b', 'local'], customFields: [{ key: 'tier', type: 'enum', value: 'gold' }], mergedIntoId: null,
      },
      { id: expect.any(String), name: 'Plain', legalName: null, domains: [], industry: null, size: 'EMPLOYEES_5001_PLUS', address: null, vatId: null, ownerId: 'importer', tags: [], customFields: [], mergedIntoId: null },
    ]);
  });
});
