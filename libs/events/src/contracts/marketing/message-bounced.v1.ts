import { z } from 'zod';
import { defineEvent } from '../../contract';
import { exampleMessageRef, messageRef } from './message';

/** A hard bounce also puts the address on the suppression list. */
export const MessageBouncedV1 = defineEvent({
  type: 'crm.marketing.message.bounced.v1',
  module: 'marketing',
  aggregate: 'message',
  description: 'A campaign message bounced (hard: the address is suppressed; soft: temporary).',
  schema: messageRef.extend({ kind: z.enum(['hard', 'soft']), diagnostic: z.string().nullable(), bouncedAt: z.string() }),
  example: { ...exampleMessageRef, kind: 'hard', diagnostic: '550 5.1.1 user unknown', bouncedAt: '2026-04-01T09:00:09.000Z' },
});
