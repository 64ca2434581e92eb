import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

// Pragmatic address check (RFC 5322 is far looser than what users mean); length limits from RFC 5321.
const EMAIL = /^[^\s@"(),:;<>[\]\\]+@[^\s@"(),:;<>[\]\\]+\.[^\s@"(),:;<>[\]\\]{2,}$/;

/** Lower-cased, trimmed address, or null if it is not a plausible email. Used for duplicate detection. */
export function normaliseEmail(input: string): string | null {
  const v = input.trim().toLowerCase();
  if (v.length > 254 || !EMAIL.test(v)) return null;
  const [local] = v.split('@');
  if (local.length > 64) return null;
  return v;
}

/** E.164 form (+4420…) or null if not a valid number. Numbers without a country code use defaultCountry. */
export function normalisePhone(input: string, defaultCountry: CountryCode = 'US'): string | null {
  const v = input.trim();
  if (!v || v.length > 32 || /[^\d\s()+\-./x#*]/i.test(v)) return null;
  const parsed = parsePhoneNumberFromString(v, defaultCountry);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
}
