import { z } from 'zod';
import { defineEvent } from '../../contract';
import { channel, uuid } from '../common';
import { exampleMessageRef, skipReason } from './message';

/** The routing decision for one recipient of a campaign: the channel chosen, or why none. */
export const MessageRoutedV1 = defineEvent({
  type: 'crm.marketing.message.routed.v1',
  module: 'marketing',
  aggregate: 'message',
  description:
    'A campaign recipient was routed: the first of the contact’s preferred channels that the campaign allows, with consent granted and a usable address — or the reason it was skipped.',
  schema: z.object({
    messageId: uuid,
    campaignId: uuid,
    contactId: uuid,
    channel: channel.nullable(),
    skipReason: skipReason.nullable(),
    /** The channels considered, in the contact's order, each with why it was passed over (empty when the first fit). */
    passedOver: z.array(z.object({ channel, reason: skipReason })),
    variant: z.string().nullable(),
    routedAt: z.string(),
  }),
  example: {
    messageId: exampleMessageRef.messageId,
    campaignId: exampleMessageRef.campaignId,
    contactId: exampleMessageRef.contactId,
    channel: 'sms',
    skipReason: null,
    passedOver: [{ channel: 'email', reason: 'NO_CONSENT' }],
    variant: null,
    routedAt: '2026-04-01T09:00:00.000Z',
  },
});
