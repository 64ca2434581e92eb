import { z } from 'zod';
import { defineEvent } from '../../contract';
import { exampleMessageRef, messageRef } from './message';

/** One per click on a tracked link of the campaign. */
export const MessageClickedV1 = defineEvent({
  type: 'crm.marketing.message.clicked.v1',
  module: 'marketing',
  aggregate: 'message',
  description: 'A tracked link of a campaign message was clicked.',
  schema: messageRef.extend({ url: z.string(), clickedAt: z.string() }),
  example: { ...exampleMessageRef, url: 'https://example.com/spring', clickedAt: '2026-04-01T10:13:00.000Z' },
  timeline: (d) => ({ contactId: d.contactId, kind: 'campaign', summary: `Clicked ${d.url} in campaign “${d.campaignName}”` }),
});
