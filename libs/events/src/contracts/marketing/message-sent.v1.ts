import { z } from 'zod';
import { defineEvent } from '../../contract';
import { exampleMessageRef, messageRef } from './message';

/** A message left through its channel adapter (handed to SMTP, the SMS provider, the letter batch…). */
export const MessageSentV1 = defineEvent({
  type: 'crm.marketing.message.sent.v1',
  module: 'marketing',
  aggregate: 'message',
  description: 'A campaign message was handed to its channel (SMTP server, SMS provider, letter batch, call list, social provider).',
  schema: messageRef.extend({ sentAt: z.string() }),
  example: { ...exampleMessageRef, sentAt: '2026-04-01T09:00:05.000Z' },
  timeline: (d) => ({ contactId: d.contactId, kind: 'campaign', summary: `Campaign “${d.campaignName}” sent by ${d.channel}` }),
});
