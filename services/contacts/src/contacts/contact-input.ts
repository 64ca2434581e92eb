import { attributionSchema } from '@crm/shared-kernel';
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import { normaliseEmail, normalisePhone } from '@crm/shared-contacts';
import { LegalBasis } from './contact.types';

/** Limits a person can read in the error message; generous for real data, tight enough to stop abuse. */
export const LIMITS = { name: 200, tag: 64, tags: 100, emails: 20, phones: 20, text: 2000, addresses: 10, socialHandles: 20, handle: 200 } as const;

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const optText = (max: number) => text(max).nullish();

export const addressSchema = z.object({
  label: optText(50), line1: optText(200), line2: optText(200), city: optText(100), region: optText(100), postalCode: optText(20),
  country: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').nullish(),
});

/**
 * Networks people name most often; any other lower-case word is accepted too (a network we have not
 * heard of is still a network). Known names are matched case-insensitively ("LinkedIn" → "linkedin"),
 * so the same network is never spelled two ways.
 */
export const KNOWN_SOCIAL_NETWORKS = ['facebook', 'instagram', 'linkedin', 'x', 'twitter', 'tiktok', 'youtube', 'whatsapp', 'telegram', 'messenger', 'wechat', 'line', 'viber', 'signal', 'mastodon', 'bluesky', 'threads', 'xing', 'vk'] as const;
const NETWORK_WORD = /^[a-z][a-z0-9_-]{0,39}$/;

export const socialHandleSchema = z.object({
  network: z
    .string()
    .transform((n) => {
      const trimmed = n.trim();
      return (KNOWN_SOCIAL_NETWORKS as readonly string[]).includes(trimmed.toLowerCase()) ? trimmed.toLowerCase() : trimmed;
    })
    .refine((n) => NETWORK_WORD.test(n), `must be one of ${KNOWN_SOCIAL_NETWORKS.join(', ')} or another lower-case word (a-z, 0-9, - or _, at most 40 characters)`),
  handle: z
    .string()
    .transform((h) => h.trim())
    .pipe(z.string().min(1, 'must not be empty').max(LIMITS.handle, `must be at most ${LIMITS.handle} characters`)),
});

/** Duplicate (network, handle) pairs are one handle. */
export function dedupeSocialHandles(hs: { network: string; handle: string }[]): { network: string; handle: string }[] {
  const seen = new Set<string>();
  return hs.filter((h) => {
    const k = `${h.network}\u0000${h.handle.toLowerCase()}`;
    return !seen.has(k) && !!seen.add(k);
  });
}

/**
 * The IANA zone as the runtime's time zone database spells it ("europe/paris" → "Europe/Paris"), or
 * undefined when it names no zone. UTC offsets ("+02:00") are refused: they ignore daylight saving,
 * so "9:00 local time" would be wrong half the year.
 */
export function canonicalTimeZone(tz: string): string | undefined {
  const v = tz.trim();
  if (!/^[A-Za-z]/.test(v) || v.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export const timeZoneSchema = z.string().transform((tz, ctx) => {
  const zone = canonicalTimeZone(tz);
  if (!zone) {
    ctx.addIssue({ code: 'custom', message: `"${tz.slice(0, 64)}" is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)` });
    return z.NEVER;
  }
  return zone;
});

/** Names are what people see and search: surrounding whitespace is noise (blank becomes null). */
const nameText = optText(LIMITS.name).transform((v) => (typeof v === 'string' ? v.trim() || null : v));

/** The fields of createContact; updateContact takes the same minus otherEmails/otherPhones. */
export const contactFieldsSchema = z.object({
  firstName: nameText,
  lastName: nameText,
  email: optText(320),
  phone: optText(40),
  otherEmails: z.array(text(320)).max(LIMITS.emails).optional(),
  otherPhones: z.array(text(40)).max(LIMITS.phones).optional(),
  phoneCountry: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').optional(),
  companyId: z.string().uuid('must be a contact/company id').nullish(),
  tags: z.array(text(LIMITS.tag).min(1, 'must not be empty')).max(LIMITS.tags, `at most ${LIMITS.tags} tags`).optional(),
  preferredChannels: z
    .array(z.enum(['email', 'sms', 'phone', 'post', 'social']))
    .max(5)
    .refine((cs) => new Set(cs).size === cs.length, 'each channel may appear once')
    .optional(),
  ownerId: optText(200),
  lifecycleStage: optText(50),
  source: attributionSchema.nullish(),
  addresses: z.array(addressSchema).max(LIMITS.addresses).optional(),
  socialHandles: z.array(socialHandleSchema).max(LIMITS.socialHandles, `at most ${LIMITS.socialHandles} handles`).optional(),
  timeZone: timeZoneSchema.nullish(),
  customFields: z.array(z.object({ key: text(100), value: text(LIMITS.text).nullable() })).max(200).optional(),
});
export type ContactFields = z.output<typeof contactFieldsSchema>;

/** The input's emails and phones, normalised; the first of each list is the primary. */
export interface ContactPoints {
  emails: Normalised[];
  phones: Normalised[];
}

/**
 * Normalises the emails and phones of a parsed input (duplicates dropped, the first kept as
 * primary); one that is not valid becomes an issue on its own field (`email`, `otherEmails`, …),
 * so it is reported with every other bad field. Use inside a schema's `.transform`.
 */
export function normaliseContactPoints<F extends { email?: string | null; otherEmails?: string[]; phone?: string | null; otherPhones?: string[]; phoneCountry?: string }>(
  f: F,
  ctx: z.RefinementCtx,
): F & ContactPoints {
  const country = (f.phoneCountry?.toUpperCase() as CountryCode | undefined) ?? 'US';
  const collect = (primary: string | null | undefined, others: string[] | undefined, fields: [string, string], normalise: (v: string) => string | null, invalid: (v: string) => string) => {
    const out: Normalised[] = [];
    [primary, ...(others ?? [])].forEach((v, i) => {
      if (v == null || v.trim() === '') return;
      const normalized = normalise(v);
      if (!normalized) ctx.addIssue({ code: 'custom', path: [i === 0 && primary ? fields[0] : fields[1]], message: invalid(v) });
      else if (!out.some((o) => o.normalized === normalized)) out.push({ raw: v.trim(), normalized });
    });
    return out;
  };
  const emails = collect(f.email, f.otherEmails, ['email', 'otherEmails'], (v) => normaliseEmail(v), (v) => `"${v.slice(0, 80)}" is not a valid email address`);
  const phones = collect(f.phone, f.otherPhones, ['phone', 'otherPhones'], (v) => normalisePhone(v, country), (v) => `"${v.slice(0, 40)}" is not a valid phone number (use +<country code>… or set phoneCountry)`);
  return { ...f, emails, phones };
}

export function displayNameOf(f: { firstName?: string | null; lastName?: string | null }, email?: string | null, phone?: string | null): string {
  const name = [f.firstName, f.lastName].filter((s) => s && s.trim()).join(' ').trim();
  return name || email || phone || 'Unnamed contact';
}

const LEGAL_BASES = Object.values(LegalBasis);

/**
 * The evidence fields of setConsent. GraphQL already refuses a legalBasis outside the LegalBasis
 * enum; this check keeps the rule for callers that do not come through GraphQL.
 */
export const consentInputSchema = z.object({
  legalBasis: z.enum(LEGAL_BASES, { message: `must be one of the GDPR Art. 6(1) bases: ${LEGAL_BASES.join(', ')}` }).nullish(),
  source: optText(200),
  wording: optText(10000),
  wordingVersion: optText(100),
});

/** UUIDs are case-insensitive on input; events, keys and lookups use the lower-case form Postgres returns. */
export function canonicalId(id: string): string {
  return id.toLowerCase();
}

export type Normalised = { raw: string; normalized: string };

export function dedupeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}

export function dropNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}
