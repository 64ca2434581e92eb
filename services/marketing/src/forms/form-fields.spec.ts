import { newFormKey, tenantOfFormKey } from './form-key';
import { parseSubmission, type FormFieldDef } from './form-fields';

const fields: FormFieldDef[] = [
  { field: 'email', label: 'Email', required: false },
  { field: 'phone', label: 'Phone', required: false },
  { field: 'custom.plan', label: 'Plan', required: true },
];

describe('form keys', () => {
  it('name their tenant and nothing else', () => {
    const key = newFormKey('tenant-ä/1');
    expect(tenantOfFormKey(key)).toBe('tenant-ä/1');
    expect(key).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{24}$/);
    expect(newFormKey('t')).not.toBe(newFormKey('t'));
    for (const bad of ['', 'abc', 'dA.short', `dA.${'x'.repeat(25)}`, `d$.${'x'.repeat(24)}`, `.${'x'.repeat(24)}`]) expect(tenantOfFormKey(bad)).toBeNull();
  });
});

describe('parseSubmission', () => {
  it('normalises email, phone, country and custom fields; UTM and keyword go apart', () => {
    const r = parseSubmission(fields, { email: ' A@B.io ', phone: '+44 20 7183 8750', 'custom.plan': ['free', 'pro'], consent: 'ON', utm_source: 'google', keyword: 'crm' });
    expect(r).toEqual({
      ok: true,
      honeypot: false,
      value: {
        email: 'a@b.io', phone: '+442071838750', firstName: null, lastName: null, company: null, country: null,
        customFields: { plan: 'pro' }, values: { email: 'A@B.io', phone: '+44 20 7183 8750', 'custom.plan': 'pro' },
        utm: { utm_source: 'google', utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null, keyword: 'crm' },
        consent: true,
      },
    });
  });

  it('lists every bad field: required, format, NUL bytes, consent; asks for email or phone when neither is given', () => {
    const r = parseSubmission(fields, { 'custom.plan': 'a\u0000b', consent: 'no' });
    expect(r).toEqual({
      ok: false,
      honeypot: false,
      errors: [
        { field: 'custom.plan', message: 'contains characters that are not text' },
        { field: 'email', message: 'an email address or a phone number is required' },
        { field: 'consent', message: 'the consent box must be ticked' },
      ],
    });
    expect(parseSubmission(fields, { website_url: 'x' }).honeypot).toBe(true);
  });
});
