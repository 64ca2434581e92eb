import { z } from 'zod';
import { channel, uuid } from './common';
import { attribution } from './sales/money';

/**
 * The lead-capture contract: a person who reached us from outside (a web form in marketing, an
 * unknown requester in support) and whom the contacts module — the one writer of contacts — creates
 * or updates. Any module that captures people embeds this object in its own event; contacts consumes
 * it the same way whichever module sent it.
 *
 * `contactId` is the id the contact has or will get: the known contact's id when the capturing
 * module's replica already knows the email/phone, else a fresh id contacts uses when it creates the
 * contact. If contacts finds a duplicate by email or phone first, it updates that one instead and the
 * proposed id stays unused (the capturing module links by email/phone when the contact event arrives).
 */
export const leadCapture = z.object({
  contactId: uuid,
  email: z.string().nullable(),
  phone: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  companyName: z.string().nullable(),
  /** ISO 3166-1 alpha-2, or null. */
  country: z.string().nullable(),
  /** Values for the tenant's contact custom fields, by key. */
  customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  tags: z.array(z.string()),
  /** Consent given with the capture: the exact wording shown is the proof of consent. */
  consents: z.array(
    z.object({
      channel,
      status: z.enum(['granted', 'withdrawn']),
      legalBasis: z.string(),
      /** The wording the person agreed to, as shown. */
      text: z.string(),
      recordedAt: z.string(),
    }),
  ),
  attribution,
  capturedAt: z.string(),
});
export type LeadCapture = z.infer<typeof leadCapture>;

export const exampleCapture: LeadCapture = {
  contactId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e',
  email: 'grace@example.com',
  phone: null,
  firstName: 'Grace',
  lastName: 'Hopper',
  companyName: 'Navy',
  country: 'US',
  customFields: {},
  tags: ['webinar-2026'],
  consents: [{ channel: 'email', status: 'granted', legalBasis: 'consent', text: 'Send me the newsletter. I can unsubscribe at any time.', recordedAt: '2026-04-01T09:00:00.000Z' }],
  attribution: { leadSource: 'web-form', source: 'google', medium: 'cpc', campaign: 'spring-2026', term: 'open source crm', content: null, keyword: 'open source crm' },
  capturedAt: '2026-04-01T09:00:00.000Z',
};
