import { z } from 'zod';
import { defineEvent } from '../../contract';
import { exampleMessageRef, messageRef } from './message';

export const MessageDeliveredV1 = defineEvent({
  type: 'crm.marketing.message.delivered.v1',
  module: 'marketing',
  aggregate: 'message',
  description: 'A provider confirmed delivery of a campaign message (signed delivery callback).',
  schema: messageRef.extend({ deliveredAt: z.string() }),
  example: { ...exampleMessageRef, deliveredAt: '2026-04-01T09:00:07.000Z' },
});
