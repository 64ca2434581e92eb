import { canonicalTimeZone, dedupeSocialHandles, socialHandleSchema } from './contact-input';
import { toSnapshot, type ContactRow } from './contact.rows';

describe('time zones', () => {
  it.each([
    ['Europe/Paris', 'Europe/Paris'],
    ['europe/paris', 'Europe/Paris'],
    ['  America/New_York ', 'America/New_York'],
    ['UTC', 'UTC'],
  ])('%j is the IANA zone %j', (input, zone) => expect(canonicalTimeZone(input)).toBe(zone));

  it.each(['Mars/Olympus_Mons', '+02:00', '-05:00', '', 'Europe/'])('%j is not an IANA zone', (input) => expect(canonicalTimeZone(input)).toBeUndefined());
});

describe('social handles', () => {
  it('spells known networks in lower case, keeps other lower-case words, trims handles', () => {
    expect(socialHandleSchema.parse({ network: 'LinkedIn', handle: ' ada ' })).toEqual({ network: 'linkedin', handle: 'ada' });
    expect(socialHandleSchema.parse({ network: 'diaspora', handle: 'ada@pod.example' })).toEqual({ network: 'diaspora', handle: 'ada@pod.example' });
  });

  it.each([
    [{ network: 'Linked In', handle: 'x' }, 'network'],
    [{ network: 'MySpace', handle: 'x' }, 'network'],
    [{ network: 'x', handle: '  ' }, 'handle'],
    [{ network: 'x', handle: 'h'.repeat(201) }, 'handle'],
  ])('refuses %j on its %s', (input, field) => {
    const r = socialHandleSchema.safeParse(input);
    expect(r.success ? [] : r.error.issues.map((i) => i.path.join('.'))).toEqual([field]);
  });

  it('keeps one of the same network and handle (handles compare case-insensitively)', () => {
    expect(dedupeSocialHandles([{ network: 'x', handle: 'Ada' }, { network: 'x', handle: 'ada' }, { network: 'telegram', handle: 'ada' }])).toEqual([
      { network: 'x', handle: 'Ada' }, { network: 'telegram', handle: 'ada' },
    ]);
  });
});

describe('toSnapshot: the fields added to the contact snapshot', () => {
  const row: ContactRow = {
    id: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', tenant_id: 't', first_name: 'Ada', last_name: null, display_name: 'Ada', company_id: null, owner_id: null,
    lifecycle_stage: null, source: null, tags: [], preferred_channels: [], custom_fields: { seats: 12, vip: true, since: '2020-01-31', note: null },
    addresses: [{ city: 'Lyon', country: 'fr' }, { label: 'office', country: 'DE' }],
    social_handles: [{ network: 'x', handle: 'ada' }], time_zone: 'Europe/Paris',
    merged_into: null, erased_at: null, archived_at: null, version: 3, created_at: new Date('2026-04-01T09:00:00.123Z'), updated_at: new Date(),
    emails: [], phones: [], consents: [], company_name: null,
  };

  it('fills addresses (the first primary), handles, the primary address\'s country, time zone, custom fields and createdAt', () => {
    expect(toSnapshot(row)).toMatchObject({
      addresses: [
        { label: null, line1: null, line2: null, city: 'Lyon', region: null, postalCode: null, country: 'FR', primary: true },
        { label: 'office', line1: null, line2: null, city: null, region: null, postalCode: null, country: 'DE', primary: false },
      ],
      socialHandles: [{ network: 'x', handle: 'ada' }],
      country: 'FR',
      timeZone: 'Europe/Paris',
      customFields: { seats: 12, vip: true, since: '2020-01-31', note: null },
      createdAt: '2026-04-01T09:00:00.123Z',
    });
  });

  it('has no country without an address', () => {
    expect(toSnapshot({ ...row, addresses: [] })).toMatchObject({ addresses: [], country: null });
  });
});
