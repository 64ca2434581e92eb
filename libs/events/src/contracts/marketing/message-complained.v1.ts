import { z } from 'zod';
import { defineEvent } from '../../contract';
import { exampleMessageRef, messageRef } from './message';

/** A spam complaint: the address is suppressed and an unsubscribed.v1 (reason complaint) follows. */
export const MessageComplainedV1 = defineEvent({
  type: 'crm.marketing.message.complained.v1',
  module: 'marketing',
  aggregate: 'message',
  description: 'The recipient reported a campaign message as spam (provider feedback loop).',
  schema: messageRef.extend({ complainedAt: z.string() }),
  example: { ...exampleMessageRef, complainedAt: '2026-04-01T11:00:00.000Z' },
});
