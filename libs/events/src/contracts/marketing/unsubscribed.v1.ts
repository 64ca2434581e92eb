import { z } from 'zod';
import { defineEvent } from '../../contract';
import { channel, uuid } from '../common';

/**
 * A contact withdrew consent for a channel through marketing (one-click unsubscribe, a complaint).
 * Contacts — the one writer of consent — consumes it and records a `withdrawn` consent with this source.
 */
export const UnsubscribedV1 = defineEvent({
  type: 'crm.marketing.contact.unsubscribed.v1',
  module: 'marketing',
  aggregate: 'contact',
  description: 'A contact unsubscribed from a channel (one-click unsubscribe or spam complaint); the contacts module records the consent withdrawal.',
  schema: z.object({
    contactId: uuid,
    channel,
    reason: z.enum(['unsubscribe', 'complaint']),
    campaignId: uuid.nullable(),
    campaignName: z.string().nullable(),
    messageId: uuid.nullable(),
    unsubscribedAt: z.string(),
  }),
  example: {
    contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11',
    channel: 'email',
    reason: 'unsubscribe',
    campaignId: '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e',
    campaignName: 'Spring newsletter',
    messageId: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
    unsubscribedAt: '2026-04-01T10:20:00.000Z',
  },
  timeline: (d) => ({ contactId: d.contactId, kind: 'campaign', summary: `Unsubscribed from ${d.channel}${d.campaignName ? ` (campaign “${d.campaignName}”)` : ''}${d.reason === 'complaint' ? ' by a spam complaint' : ''}` }),
});
