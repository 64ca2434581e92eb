import { normaliseEmail, normalisePhone } from './normalise';

describe('normalisers', () => {
  it('normalises emails for duplicate detection and rejects implausible ones', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
    for (const bad of ['', 'ada', 'ada@', '@example.com', 'ada@example', 'a b@example.com', `${'x'.repeat(65)}@example.com`, "x@y.com'; DROP TABLE contacts;--"]) {
      expect(normaliseEmail(bad)).toBeNull();
    }
  });

  it('normalises phones to E.164 and rejects garbage', () => {
    expect(normalisePhone('+44 20 7183 8750')).toBe('+442071838750');
    expect(normalisePhone('(202) 555-0147', 'US')).toBe('+12025550147');
    expect(normalisePhone('020 7183 8750', 'GB')).toBe('+442071838750');
    for (const bad of ['', '12', 'call me', '+44 20 7183 8750 <script>']) expect(normalisePhone(bad)).toBeNull();
  });
});
