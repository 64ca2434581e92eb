import { z } from 'zod';
import { addressSchema, LIMITS } from '../contacts/contact-input';
import { CompanySize } from '../contacts/contact.types';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A company name as people see it: trimmed, 1-200 characters. */
export const companyName = z
  .string()
  .refine((n) => n.trim().length > 0 && n.length <= 200, 'must be 1-200 characters')
  .transform((n) => n.trim());

/** Domains as typed (a URL is cut down to its host), lower-cased, de-duplicated, at most 20. */
export const companyDomains = z
  .array(z.string())
  .transform((ds) => [...new Set(ds.map((d) => d.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '')))])
  .pipe(z.array(z.string().regex(DOMAIN, 'not a domain name')).max(20, 'at most 20 domains'));

/** Optional text: trimmed, blank is null. */
const optText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => (typeof v === 'string' ? v.trim() || null : v));

/** A VAT / tax id as registered: letters and digits (spaces, dots and dashes as typed are dropped), upper-cased. */
const vatId = z
  .string()
  .nullish()
  .transform((v) => (typeof v === 'string' ? v.replace(/[\s.-]/g, '').toUpperCase() || null : v))
  .pipe(z.string().regex(/^[A-Z0-9]{4,20}$/, 'must be 4-20 letters and digits (e.g. DE123456789)').nullish());

/** The B2B fields of createCompany and updateCompany besides name and domains. */
export const companyDetailsSchema = z.object({
  legalName: optText(300),
  industry: optText(100),
  size: z.enum(Object.values(CompanySize) as [CompanySize, ...CompanySize[]]).nullish(),
  address: addressSchema.nullish(),
  vatId,
  ownerId: optText(200),
  tags: z.array(z.string().max(LIMITS.tag, `must be at most ${LIMITS.tag} characters`).refine((t) => t.trim().length > 0, 'must not be empty')).max(LIMITS.tags).optional(),
  customFields: z.array(z.object({ key: z.string().max(100), value: z.string().max(LIMITS.text, `must be at most ${LIMITS.text} characters`).nullable() })).max(200).optional(),
});
