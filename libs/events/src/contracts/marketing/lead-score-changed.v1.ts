import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

export const LeadScoreChangedV1 = defineEvent({
  type: 'crm.marketing.contact.score-changed.v1',
  module: 'marketing',
  aggregate: 'contact',
  description: 'A contact’s lead score changed (a scoring rule matched, or points decayed).',
  schema: z.object({ contactId: uuid, score: z.number().int(), previousScore: z.number().int(), reason: z.string(), changedAt: z.string() }),
  example: { contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', score: 45, previousScore: 35, reason: 'clicked a campaign link (+10)', changedAt: '2026-04-01T10:13:00.000Z' },
});
