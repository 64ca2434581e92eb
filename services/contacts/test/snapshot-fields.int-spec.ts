import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, expectError, expectEvent, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const FIELDS = `id version createdAt addresses { country city } socialHandles { network handle } timeZone customFields { key value }`;
const CREATE = `mutation($i: CreateContactInput!) { createContact(input: $i) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateContactInput!) { updateContact(id: $id, input: $i) { ${FIELDS} } }`;
const MERGE = `mutation($s: ID!, $d: ID!) { mergeContacts(survivorId: $s, duplicateId: $d) { ${FIELDS} } }`;

/** The snapshot fields marketing routes and segments by: addresses, social handles, country, time zone, custom fields, creation time. */
describe('contact snapshot: addresses, social handles, country, time zone, custom fields, createdAt (real Postgres + Kafka)', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  it('createContact stores social handles and the time zone, and contact.created carries every new snapshot field', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    dataOf(await gql(`mutation { defineCustomField(input: { key: "industry", label: "Industry", type: TEXT }) { key } }`));
    const c = dataOf(
      await gql(CREATE, {
        i: {
          firstName: 'Ada', email: 'ada.snapshot@example.com',
          addresses: [{ label: 'home', line1: '12 St James’s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'gb' }, { label: 'office', city: 'Paris', country: 'FR' }],
          // Known networks in any case become their lower-case name; the same handle twice is one.
          socialHandles: [{ network: 'LinkedIn', handle: ' ada-lovelace ' }, { network: 'mastodon', handle: '@ada@hachyderm.io' }, { network: 'linkedin', handle: 'ada-lovelace' }],
          timeZone: 'europe/london',
          customFields: [{ key: 'industry', value: 'mathematics' }],
        },
      }),
    ).createContact;
    expect(c.socialHandles).toEqual([{ network: 'linkedin', handle: 'ada-lovelace' }, { network: 'mastodon', handle: '@ada@hachyderm.io' }]);
    expect(c.timeZone).toBe('Europe/London');

    const created = await expectEvent(rec, { type: EVENT.created, subject: c.id, tenantId });
    expect(created.data).toMatchObject({
      addresses: [
        { label: 'home', line1: '12 St James’s Square', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'GB', primary: true },
        { label: 'office', line1: null, line2: null, city: 'Paris', region: null, postalCode: null, country: 'FR', primary: false },
      ],
      socialHandles: [{ network: 'linkedin', handle: 'ada-lovelace' }, { network: 'mastodon', handle: '@ada@hachyderm.io' }],
      country: 'GB',
      timeZone: 'Europe/London',
      customFields: { industry: 'mathematics' },
      createdAt: new Date(c.createdAt).toISOString(),
    });
  });

  it('updateContact replaces the handles, sets and clears the time zone; contact.updated carries them', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = dataOf(await gql(CREATE, { i: { firstName: 'Grace', timeZone: 'America/New_York', socialHandles: [{ network: 'x', handle: 'grace' }] } })).createContact;
    const u = dataOf(await gql(UPDATE, { id: c.id, i: { socialHandles: [{ network: 'bluesky', handle: 'grace.bsky.social' }], timeZone: 'Asia/Tokyo' } })).updateContact;
    expect({ handles: u.socialHandles, tz: u.timeZone }).toEqual({ handles: [{ network: 'bluesky', handle: 'grace.bsky.social' }], tz: 'Asia/Tokyo' });
    await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d: any) => d.version === u.version && d.timeZone === 'Asia/Tokyo' && d.socialHandles[0]?.network === 'bluesky' && d.country === null });
    const cleared = dataOf(await gql(UPDATE, { id: c.id, i: { timeZone: null, socialHandles: [] } })).updateContact;
    expect({ handles: cleared.socialHandles, tz: cleared.timeZone }).toEqual({ handles: [], tz: null });
  });

  it('refuses a bad network, an empty or long handle and a time zone that is not IANA, naming each field, and changes nothing', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const r = await gql(CREATE, {
      i: { firstName: 'Bad', socialHandles: [{ network: 'Linked In', handle: 'x' }, { network: 'x', handle: '   ' }, { network: 'x', handle: 'h'.repeat(201) }], timeZone: 'Mars/Olympus_Mons' },
    });
    const e = expectError(r, 'BAD_USER_INPUT');
    expect((e.extensions!.fields as { field: string }[]).map((f) => f.field).sort()).toEqual([
      'input.socialHandles.0.network', 'input.socialHandles.1.handle', 'input.socialHandles.2.handle', 'input.timeZone',
    ]);
    const offset = await gql(CREATE, { i: { firstName: 'Offset', timeZone: '+02:00' } });
    expect((expectError(offset, 'BAD_USER_INPUT').extensions!.fields as { field: string }[]).map((f) => f.field)).toEqual(['input.timeZone']);
    expect(await h.count('contacts', tenantId)).toBe(0);
  });

  it('a merge unites the social handles and fills the time zone; erasure removes both', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const s = dataOf(await gql(CREATE, { i: { firstName: 'Sur', socialHandles: [{ network: 'x', handle: 'sur' }] } })).createContact;
    const d = dataOf(await gql(CREATE, { i: { firstName: 'Dup', timeZone: 'Europe/Berlin', socialHandles: [{ network: 'x', handle: 'SUR' }, { network: 'telegram', handle: 'dup' }] } })).createContact;
    const m = dataOf(await gql(MERGE, { s: s.id, d: d.id })).mergeContacts;
    expect({ handles: m.socialHandles, tz: m.timeZone }).toEqual({ handles: [{ network: 'x', handle: 'sur' }, { network: 'telegram', handle: 'dup' }], tz: 'Europe/Berlin' });
    dataOf(await gql(`mutation($id: ID!) { eraseContact(id: $id) { contactId } }`, { id: s.id }));
    const rows = await h.sql(`SELECT social_handles, time_zone FROM "${h.schema}".contacts WHERE tenant_id = $1 ORDER BY id`, [tenantId]);
    expect(rows).toEqual([{ social_handles: [], time_zone: null }, { social_handles: [], time_zone: null }]);
  });
});
