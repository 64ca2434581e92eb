import { z } from 'zod';

export const uuid = z.string().uuid();
export const channel = z.enum(['email', 'sms', 'phone', 'post', 'social']);
export const consentStatus = z.enum(['granted', 'withdrawn']);

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
};
