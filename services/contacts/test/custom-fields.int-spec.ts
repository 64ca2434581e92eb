import { dataOf, uniqueTenant } from '@crm/testing';
import { Q, expectError, startContacts, type Gql, type Harness } from './harness';

describe('custom fields', () => {
  let h: Harness;
  let gql: Gql;
  const tenantId = uniqueTenant();
  const defs = [
    { key: 'nickname', label: 'Nickname', type: 'TEXT' },
    { key: 'score', label: 'Score', type: 'NUMBER' },
    { key: 'birthday', label: 'Birthday', type: 'DATE' },
    { key: 'newsletter', label: 'Newsletter', type: 'BOOLEAN' },
    { key: 'tier', label: 'Tier', type: 'ENUM', options: ['gold', 'silver'] },
  ];

  beforeAll(async () => {
    h = await startContacts();
    gql = h.client({ tenantId, roles: ['admin'] });
    for (const d of defs) {
      expect(dataOf(await gql(Q.defineField, { i: d })).defineCustomField).toEqual({ options: [], ...d });
    }
  });
  afterAll(async () => {
    await h?.stop();
  });

  const cf = (o: Record<string, string | null>) => Object.entries(o).map(([key, value]) => ({ key, value }));
  const sorted = (xs: { key: string }[]) => [...xs].sort((a, b) => a.key.localeCompare(b.key));

  it('lists the definitions of the tenant only', async () => {
    expect(sorted(dataOf(await gql(Q.fieldDefs)).customFieldDefinitions)).toEqual(sorted(defs.map((d) => ({ options: [], ...d }))));
    expect(dataOf(await h.client({ tenantId: uniqueTenant() })(Q.fieldDefs)).customFieldDefinitions).toEqual([]);
  });

  it('valid text, number, date, boolean and enum values round-trip and are stored typed', async () => {
    const c = dataOf(
      await gql(Q.create, { i: { firstName: 'Typed', customFields: cf({ nickname: "Robert'); DROP TABLE contacts;--", score: '42.5', birthday: '2024-02-29', newsletter: 'true', tier: 'gold' }) } }),
    ).createContact;
    const expected = [
      { key: 'birthday', type: 'date', value: '2024-02-29' },
      { key: 'newsletter', type: 'boolean', value: 'true' },
      { key: 'nickname', type: 'text', value: "Robert'); DROP TABLE contacts;--" },
      { key: 'score', type: 'number', value: '42.5' },
      { key: 'tier', type: 'enum', value: 'gold' },
    ];
    expect(sorted(c.customFields)).toEqual(expected);
    expect(sorted(dataOf(await gql(Q.contact, { id: c.id })).contact.customFields)).toEqual(expected);
    const [row] = await h.sql(
      `SELECT jsonb_typeof(custom_fields->'score') AS score, jsonb_typeof(custom_fields->'newsletter') AS newsletter, jsonb_typeof(custom_fields->'birthday') AS birthday,
         custom_fields->>'nickname' AS nickname FROM "${h.schema}".contacts WHERE id = $1`,
      [c.id],
    );
    expect(row).toEqual({ score: 'number', newsletter: 'boolean', birthday: 'string', nickname: "Robert'); DROP TABLE contacts;--" });

    // Update: change some, clear one with null, keep the rest.
    const u = dataOf(await gql(Q.update, { id: c.id, i: { customFields: cf({ score: '-3', newsletter: 'false', nickname: null, tier: 'silver' }) } })).updateContact;
    expect(sorted(u.customFields)).toEqual([
      { key: 'birthday', type: 'date', value: '2024-02-29' },
      { key: 'newsletter', type: 'boolean', value: 'false' },
      { key: 'score', type: 'number', value: '-3' },
      { key: 'tier', type: 'enum', value: 'silver' },
    ]);
    expect(u.version).toBe(2);
    const [after] = await h.sql(`SELECT custom_fields FROM "${h.schema}".contacts WHERE id = $1`, [c.id]);
    expect(after.custom_fields).toEqual({ birthday: '2024-02-29', newsletter: false, score: -3, tier: 'silver' });
  });

  describe('invalid values → BAD_USER_INPUT naming the field, nothing written', () => {
    let target: any;
    let before: Record<string, number>;
    beforeAll(async () => {
      target = dataOf(await gql(Q.create, { i: { firstName: 'Target', customFields: cf({ score: '1', tier: 'gold' }) } })).createContact;
    });
    beforeEach(async () => {
      before = await h.footprint(tenantId);
    });
    afterEach(async () => {
      expect(await h.footprint(tenantId)).toEqual(before);
      const now = dataOf(await gql(Q.contact, { id: target.id })).contact;
      expect({ version: now.version, customFields: sorted(now.customFields) }).toEqual({ version: 1, customFields: sorted(target.customFields) });
    });

    it.each([
      ['a word in a number field', { score: 'abc' }, /custom field "score" expects a number/],
      ['an empty number', { score: ' ' }, /"score" expects a number/],
      ['a hexadecimal number', { score: '0x10' }, /"score" expects a number/],
      ['an infinite number', { score: '1e400' }, /"score" expects a number/],
      ['"yes" for a boolean', { newsletter: 'yes' }, /"newsletter" expects true or false/],
      ['February 30th', { birthday: '2026-02-30' }, /"birthday" expects a date YYYY-MM-DD/],
      ['February 29th of a common year', { birthday: '2026-02-29' }, /"birthday" expects a date/],
      ['month 13', { birthday: '2026-13-01' }, /"birthday" expects a date/],
      ['a US-style date', { birthday: '12/10/1990' }, /"birthday" expects a date/],
      ['a date with a time', { birthday: '1990-12-10T10:00:00Z' }, /"birthday" expects a date/],
      ['a value outside the enum', { tier: 'platinum' }, /"tier" expects one of gold, silver/],
      ['an enum value in another case', { tier: 'GOLD' }, /"tier" expects one of gold, silver/],
      ['an unknown field', { shoe_size: '42' }, /unknown custom field "shoe_size"/],
      ['a valid value next to a bad one', { nickname: 'ok', score: 'NaN' }, /"score" expects a number/],
    ])('%s', async (_what, values, message) => {
      const onCreate = await gql(Q.create, { i: { firstName: 'Bad', email: 'bad@example.com', customFields: cf(values) } });
      const err = expectError(onCreate, 'BAD_USER_INPUT', message);
      expect(err.extensions?.fields?.[0]?.field).toMatch(/^customFields\./);
      expectError(await gql(Q.update, { id: target.id, i: { firstName: 'Changed', customFields: cf(values) } }), 'BAD_USER_INPUT', message);
    });

    it('an over-long text value', async () => {
      const r = await gql(Q.update, { id: target.id, i: { customFields: cf({ nickname: 'x'.repeat(2001) }) } });
      expectError(r, 'BAD_USER_INPUT', /input\.customFields\.0\.value: must be at most 2000 characters/);
    });
  });

  describe('defineCustomField', () => {
    it('is admin-only: FORBIDDEN for other roles, nothing defined', async () => {
      const before = await h.count('custom_field_definitions', tenantId);
      for (const roles of [['rep'], ['manager'], [], ['dpo']]) {
        const r = await h.client({ tenantId, roles })(Q.defineField, { i: { key: 'sneaky', label: 'Sneaky', type: 'TEXT' } });
        expectError(r, 'FORBIDDEN', /admin/);
      }
      expect(await h.count('custom_field_definitions', tenantId)).toBe(before);
      // A non-admin can still fill in the defined fields.
      const c = dataOf(await h.client({ tenantId, roles: ['rep'] })(Q.create, { i: { firstName: 'Sales', customFields: cf({ tier: 'silver' }) } })).createContact;
      expect(c.customFields).toEqual([{ key: 'tier', type: 'enum', value: 'silver' }]);
    });

    it.each([
      ['a key with spaces', { key: 'Bad Key', label: 'x', type: 'TEXT' }, /key must start with a letter/],
      ['an empty label', { key: 'empty_label', label: '  ', type: 'TEXT' }, /label must be 1-200/],
      ['an enum without options', { key: 'no_opts', label: 'x', type: 'ENUM', options: [] }, /enum field needs at least one option/],
      ['options on a text field', { key: 'text_opts', label: 'x', type: 'TEXT', options: ['a'] }, /options are only allowed for enum/],
      ['a bad key and an empty label at once (both named)', { key: '9lives', label: '', type: 'TEXT' }, /input\.key: .*key must start with a letter.*input\.label: .*label must be 1-200/],
    ])('rejects %s', async (_what, input, message) => {
      const before = await h.count('custom_field_definitions', tenantId);
      expectError(await gql(Q.defineField, { i: input }), 'BAD_USER_INPUT', message);
      expect(await h.count('custom_field_definitions', tenantId)).toBe(before);
    });
  });
});
