import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/** Once per crossing: a contact whose score falls back below and rises again is qualified again. */
export const LeadQualifiedV1 = defineEvent({
  type: 'crm.marketing.contact.qualified.v1',
  module: 'marketing',
  aggregate: 'contact',
  description: 'A contact’s lead score reached the tenant’s qualification threshold: a marketing-qualified lead (MQL) for sales to act on.',
  schema: z.object({ contactId: uuid, score: z.number().int(), threshold: z.number().int(), qualifiedAt: z.string() }),
  example: { contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', score: 52, threshold: 50, qualifiedAt: '2026-04-01T10:13:00.000Z' },
  timeline: (d) => ({ contactId: d.contactId, kind: 'lead', summary: `Qualified as a marketing lead (score ${d.score} ≥ ${d.threshold})` }),
});
