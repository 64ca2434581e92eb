import { z } from 'zod';

export const uuid = z.string().uuid();
export const channel = z.enum(['email', 'sms', 'phone', 'post', 'social']);
export const consentStatus = z.enum(['granted', 'withdrawn']);

/** A postal address as the contact snapshot carries it. */
export const postalAddress = z.object({
  label: z.string().nullable(),
  line1: z.string().nullable(),
  line2: z.string().nullable(),
  city: z.string().nullable(),
  region: z.string().nullable(),
  postalCode: z.string().nullable(),
  country: z.string().nullable(),
  primary: z.boolean(),
});
export type PostalAddress = z.infer<typeof postalAddress>;

/** The unified view of a contact every module may keep in its replica (libs/shared-contacts). */
export const contactSnapshot = z.object({
  contactId: uuid,
  /** Monotonic per contact; a replica ignores a snapshot older than what it holds. */
  version: z.number().int().positive(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  displayName: z.string(),
  emails: z.array(z.object({ email: z.string(), primary: z.boolean() })),
  phones: z.array(z.object({ phone: z.string(), primary: z.boolean() })),
  companyId: uuid.nullable(),
  companyName: z.string().nullable(),
  tags: z.array(z.string()),
  ownerId: z.string().nullable(),
  lifecycleStage: z.string().nullable(),
  preferredChannels: z.array(channel),
  consents: z.array(z.object({ channel, status: consentStatus, legalBasis: z.string().nullable(), recordedAt: z.string() })),
  // Added after v1 was published (additive, optional: older events and older producers omit them).
  /** Postal addresses (the `post` channel needs one), primary first. */
  addresses: z.array(postalAddress).optional(),
  /** Social network handles (the `social` channel needs one), e.g. { network: "linkedin", handle: "ada-lovelace" }. */
  socialHandles: z.array(z.object({ network: z.string(), handle: z.string() })).optional(),
  /** ISO 3166-1 alpha-2 of the primary address, or null. */
  country: z.string().nullable().optional(),
  /** IANA time zone (e.g. "Europe/Paris"), or null when unknown. */
  timeZone: z.string().nullable().optional(),
  /** The tenant's custom fields, by key. */
  customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  /** When the contact was created in the contacts module (ISO 8601). */
  createdAt: z.string().optional(),
});
export type ContactSnapshot = z.infer<typeof contactSnapshot>;

export const exampleSnapshot: ContactSnapshot = {
  contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11',
  version: 1,
  firstName: 'Ada',
  lastName: 'Lovelace',
  displayName: 'Ada Lovelace',
  emails: [{ email: 'ada@example.com', primary: true }],
  phones: [{ phone: '+442071838750', primary: true }],
  companyId: null,
  companyName: null,
  tags: ['vip'],
  ownerId: 'user-1',
  lifecycleStage: 'lead',
  preferredChannels: ['email', 'sms'],
  consents: [{ channel: 'email', status: 'granted', legalBasis: 'consent', recordedAt: '2026-01-01T00:00:00.000Z' }],
  addresses: [{ label: 'home', line1: '12 St James’s Square', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'GB', primary: true }],
  socialHandles: [{ network: 'linkedin', handle: 'ada-lovelace' }],
  country: 'GB',
  timeZone: 'Europe/London',
  customFields: { industry: 'mathematics' },
  createdAt: '2026-01-01T00:00:00.000Z',
};
