import { z } from 'zod';
import { MINOR_UNITS } from '@crm/shared-kernel';
import { timeZoneSchema } from '../contacts/contact-input';
import { DirectoryRole } from './directory.types';

/** The input rules of the directory: one place, shared by provisioning, the admin's edits and the tenant profile. */

export const userName = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
export const userEmail = z.string().trim().toLowerCase().max(320, 'must be at most 320 characters').pipe(z.email('is not an email address'));

/** A BCP 47 tag in its canonical spelling ("en-gb" → "en-GB"). */
export const localeSchema = z.string().transform((tag, ctx) => {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim());
    if (canonical && tag.length <= 35) return canonical;
  } catch {
    // RangeError: not a well-formed tag; reported below
  }
  ctx.addIssue({ code: 'custom', message: `"${tag.slice(0, 35)}" is not a BCP 47 locale (e.g. en-GB, nl-BE, de)` });
  return z.NEVER;
});

export { timeZoneSchema };

export const currencySchema = z.string().transform((code, ctx) => {
  const c = code.trim().toUpperCase();
  if (MINOR_UNITS[c] === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${code.slice(0, 10)}" is not a supported ISO 4217 currency code (e.g. EUR, USD, JPY)` });
    return z.NEVER;
  }
  return c;
});

export const rolesSchema = z.array(z.enum(DirectoryRole)).max(5).transform((r) => [...new Set(r)]);

/** Logos are printed on documents: an image we can fetch safely (https) or embed (a small data URL). */
export const MAX_LOGO_DATA_URL_BYTES = 64 * 1024;
const DATA_URL = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,([A-Za-z0-9+/]+={0,2})$/;
export const logoSchema = z.string().transform((raw, ctx) => {
  const v = raw.trim();
  if (v.startsWith('data:')) {
    if (v.length > MAX_LOGO_DATA_URL_BYTES) ctx.addIssue({ code: 'custom', message: `a data URL logo must be at most ${MAX_LOGO_DATA_URL_BYTES} characters; link a larger image by https URL` });
    else if (!DATA_URL.test(v)) ctx.addIssue({ code: 'custom', message: 'a data URL logo must be data:image/(png|jpeg|gif|webp|svg+xml);base64,…' });
    return v;
  }
  let url: URL | undefined;
  try {
    url = new URL(v);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || v.length > 2048) {
    ctx.addIssue({ code: 'custom', message: 'must be an https URL of at most 2048 characters or a data:image/…;base64 URL' });
    return z.NEVER;
  }
  return url.toString();
});

const optText = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).nullish().transform((v) => (v == null ? v : v || null));

export const tenantAddressSchema = z.object({
  line1: optText(200),
  line2: optText(200),
  city: optText(100),
  region: optText(100),
  postalCode: optText(20),
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code (e.g. GB)').nullish(),
});

export const tenantProfileSchema = z.object({
  legalName: optText(200),
  address: tenantAddressSchema.nullish(),
  vatId: optText(32),
  logoUrl: logoSchema.nullish(),
  defaultCurrency: currencySchema.optional(),
  timeZone: timeZoneSchema.optional(),
  locale: localeSchema.optional(),
  fiscalYearStartMonth: z.number().int('must be a whole month number').min(1, 'must be 1 (January) to 12').max(12, 'must be 1 (January) to 12').optional(),
});
