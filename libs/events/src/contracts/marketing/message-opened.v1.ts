import { z } from 'zod';
import { defineEvent } from '../../contract';
import { exampleMessageRef, messageRef } from './message';

/** Published once per message (the first open); later opens only count. */
export const MessageOpenedV1 = defineEvent({
  type: 'crm.marketing.message.opened.v1',
  module: 'marketing',
  aggregate: 'message',
  description: 'A campaign email was opened for the first time (tracking pixel).',
  schema: messageRef.extend({ openedAt: z.string() }),
  example: { ...exampleMessageRef, openedAt: '2026-04-01T10:12:00.000Z' },
  timeline: (d) => ({ contactId: d.contactId, kind: 'campaign', summary: `Opened campaign “${d.campaignName}”` }),
});
